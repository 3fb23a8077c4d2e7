// Package apptest wires the whole portal on a fresh test database, the same
// way serving does (app.New), so tests of the HTTP server and of features
// that span services use the real services and adapters, not copies.
package apptest

import (
	"testing"

	"careportal/auth"
	"careportal/portal/app"
	"careportal/portal/store/storetest"
)

// New wires every service on a fresh database of the test store
// (storetest.New; the package's TestMain must call storetest.Run). The
// database is dropped when the test ends. Passwords are hashed cheaply
// unless o.Hash says otherwise.
func New(tb testing.TB, o app.Options) *app.App {
	tb.Helper()
	if o.Hash == (auth.HashParams{}) {
		o.Hash = auth.CheapHashParams
	}
	a, err := app.New(storetest.Context(tb), storetest.New(tb), o)
	if err != nil {
		tb.Fatalf("app.New: %v", err)
	}
	return a
}
