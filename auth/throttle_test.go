package auth

import (
	"fmt"
	"sync"
	"testing"
	"time"

	"go.mongodb.org/mongo-driver/v2/bson"

	"careportal/portal/fault"
)

// TestLoginThrottleHoldsUnderParallelGuesses fires 200 simultaneous
// sign-in attempts from one address: at most the allowed number are
// checked, the rest are refused as throttled, nothing signs in after the
// limit even with the right password, and each burst of refusals is one
// audit entry.
func TestLoginThrottleHoldsUnderParallelGuesses(t *testing.T) {
	s, _, ctx := newTestService(t)
	// A hash that costs something, so the attempts really overlap, but
	// cheap enough for CI (about a millisecond each).
	s.hash = HashParams{Time: 1, Memory: 2048, Threads: 1}
	s.dummy = s.hash.hash("dummy")
	victim := mustUser(t, s, ctx, UserInput{Email: "victim@example.org", Name: "V", Role: RoleAdmin})
	if err := s.setPassword(ctx, victim, goodPassword); err != nil {
		t.Fatal(err)
	}
	const n = 200
	totalRefused := 0
	burst := func(ip string, email func(i int) string, password func(i int) string) (signedIn, refused, other int) {
		var wg sync.WaitGroup
		var mu sync.Mutex
		start := make(chan struct{})
		for i := 0; i < n; i++ {
			wg.Add(1)
			go func(i int) {
				defer wg.Done()
				<-start
				_, err := s.Login(ctx, email(i), password(i), ip)
				mu.Lock()
				defer mu.Unlock()
				switch {
				case err == nil:
					signedIn++
				case fault.KindOf(err) == fault.RateLimited:
					refused++
				case fault.KindOf(err) == fault.Unauthorized:
				default:
					other++
					t.Errorf("attempt %d: %v", i, err)
				}
			}(i)
		}
		began := time.Now()
		close(start)
		wg.Wait()
		totalRefused += refused
		t.Logf("burst from %s: %d signed in, %d refused as throttled, in %s", ip, signedIn, refused, time.Since(began).Round(time.Millisecond))
		return signedIn, refused, other
	}
	actions := func() map[string]int {
		m := map[string]int{}
		for _, action := range []string{"login.failure", "login.success", "login.throttled"} {
			c, err := s.db.Collection(colAudit).CountDocuments(ctx, bson.D{{Key: "action", Value: action}})
			if err != nil {
				t.Fatal(err)
			}
			m[action] = int(c)
		}
		return m
	}

	// 1. 200 wrong guesses at one account from one address.
	victimEmail := func(int) string { return "victim@example.org" }
	_, refused, _ := burst("198.51.100.50", victimEmail, func(i int) string { return fmt.Sprintf("wrong guess %03d", i) })
	a := actions()
	t.Logf("after the first burst: %d passwords checked, %d throttle audit entries", a["login.failure"], a["login.throttled"])
	if a["login.failure"] > accountFreeFailures {
		t.Errorf("%d of %d guesses were checked, want at most %d", a["login.failure"], n, accountFreeFailures)
	}
	if refused != n-a["login.failure"] {
		t.Errorf("%d refused as throttled, want %d", refused, n-a["login.failure"])
	}

	// 2. At once another burst, every one with the right password: none
	// is checked and nobody signs in.
	signedIn, refused, _ := burst("198.51.100.50", victimEmail, func(int) string { return goodPassword })
	if signedIn != 0 || refused != n {
		t.Errorf("right password inside the throttled burst: %d signed in, %d refused; want 0 and %d", signedIn, refused, n)
	}

	// 3. 200 different names from one address: the address limit holds.
	before := actions()["login.failure"]
	_, refused, _ = burst("198.51.100.51", func(i int) string { return fmt.Sprintf("spray%03d@example.org", i) },
		func(int) string { return "wrong password!" })
	a = actions()
	checked := a["login.failure"] - before
	if checked > addressFreeFailures || refused != n-checked {
		t.Errorf("address spray: %d checked, %d refused; want at most %d checked and the rest refused", checked, refused, addressFreeFailures)
	}
	// Three bursts of refusals (the second continues the first for the
	// account; the spray is one more) give at most three audit entries.
	t.Logf("throttle audit entries after three bursts of %d: %d", n, a["login.throttled"])
	if a["login.throttled"] < 1 || a["login.throttled"] > 3 {
		t.Errorf("%d login.throttled audit entries for three bursts, want one per burst", a["login.throttled"])
	}
	// Every refusal is still counted, on its burst's entry.
	cur, err := s.db.Collection(colAudit).Find(ctx, bson.D{{Key: "action", Value: "login.throttled"}})
	if err != nil {
		t.Fatal(err)
	}
	var entries []AuditEntry
	if err := cur.All(ctx, &entries); err != nil {
		t.Fatal(err)
	}
	sum := 0
	for _, e := range entries {
		sum += e.Refused
	}
	if sum != totalRefused {
		t.Errorf("the throttle audit entries count %d refusals, want %d", sum, totalRefused)
	}
}
