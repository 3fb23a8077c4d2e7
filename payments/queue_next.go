package payments

import (
	"context"
	"sort"

	"careportal/auth"
	"careportal/portal/fault"
)

// NextInQueue is the invoice after inv in work queue q, in the queue's
// order (oldest first: received, then id): the first one received after
// it, whether or not inv is still in the queue (one just approved has left
// "new", and the next is still the one after it). ok is false at the end
// of the queue. Staff only.
func (s *Service) NextInQueue(ctx context.Context, actor *auth.Principal, q Queue, inv Invoice) (next Invoice, ok bool, err error) {
	if !actor.IsStaff() {
		return Invoice{}, false, fault.Forbiddenf("Only council staff work the queues")
	}
	if err := s.ensureLoaded(ctx); err != nil {
		return Invoice{}, false, err
	}
	today := LondonDay(s.now())
	s.mu.RLock()
	defer s.mu.RUnlock()
	list := s.queueListLocked(q, today)
	i := sort.Search(len(list), func(i int) bool {
		x := list[i]
		if !x.ReceivedAt.Equal(inv.ReceivedAt) {
			return x.ReceivedAt.After(inv.ReceivedAt)
		}
		return x.ID > inv.ID
	})
	if i == len(list) {
		return Invoice{}, false, nil
	}
	return *list[i], true, nil
}

// QueueOf is the work queue an invoice in status st waits in ("" for one
// that is done with: paid, rejected or cancelled).
func QueueOf(st Status) Queue {
	switch st {
	case StatusSubmitted:
		return QueueNew
	case StatusQueried:
		return QueueQueried
	case StatusApproved:
		return QueueApproved
	case StatusScheduled:
		return QueueScheduled
	}
	return ""
}

// ValidQueue reports whether q names a work queue.
func ValidQueue(q Queue) bool {
	for _, x := range Queues {
		if x == q {
			return true
		}
	}
	return false
}
