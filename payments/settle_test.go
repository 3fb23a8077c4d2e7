package payments

import (
	"sync"
	"testing"

	"careportal/portal/store/storetest"
)

// settling lists the services the tests made (newTestService), so that a
// count of stored documents first waits for their background removal of
// finished intent records (store.Changes.FinishSoon).
var settling services

type services struct {
	mu  sync.Mutex
	all []*Service
}

func (l *services) add(s *Service) {
	l.mu.Lock()
	l.all = append(l.all, s)
	l.mu.Unlock()
}

func settleAll(t *testing.T) {
	t.Helper()
	settling.mu.Lock()
	all := append([]*Service(nil), settling.all...)
	settling.mu.Unlock()
	for _, s := range all {
		if err := s.changes.Settle(storetest.Context(t)); err != nil {
			t.Fatal(err)
		}
	}
}
