package portal

import (
	"context"
	"net/http"

	"careportal/auth"
)

type ctxKey int

const (
	keyPrincipal ctxKey = iota
	keyRequestInfo
)

// withPrincipal records who is acting on the request.
func withPrincipal(ctx context.Context, p *auth.Principal) context.Context {
	return context.WithValue(ctx, keyPrincipal, p)
}

// principal returns who is acting on the request, or nil when nobody is
// signed in.
func principal(r *http.Request) *auth.Principal {
	p, _ := r.Context().Value(keyPrincipal).(*auth.Principal)
	return p
}

// requestInfo is filled in as the request passes through the middleware and
// the router, and read by the request log.
type requestInfo struct {
	ID       string
	Route    string // the route's path template, so ids and tokens stay out of logs
	Internal error  // the detail of a server fault, for the log only
}

func info(r *http.Request) *requestInfo {
	if ri, ok := r.Context().Value(keyRequestInfo).(*requestInfo); ok {
		return ri
	}
	return &requestInfo{}
}
