package auth

import (
	"testing"
	"time"

	"careportal/portal/fault"
)

func TestPasswordReset(t *testing.T) {
	s, clk, ctx := newTestService(t)
	org := mustOrg(t, s, ctx, "SUP1", "Org One")
	u := mustUser(t, s, ctx, UserInput{Email: "Ann@Example.org", Name: "Ann", Role: RoleProvider, OrgID: org.ID})
	ss1, err := s.StartSession(ctx, u.ID, "192.0.2.1")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := s.StartSession(ctx, u.ID, "192.0.2.2"); err != nil {
		t.Fatal(err)
	}

	// Unknown and known accounts get the same (empty) error; only a known
	// active account gets a token.
	if got, tok, err := s.RequestPasswordReset(ctx, "nobody@example.org", "198.51.100.1"); err != nil || got != nil || tok != "" {
		t.Fatalf("unknown: %v %q %v", got, tok, err)
	}
	if _, _, err := s.RequestPasswordReset(ctx, "", "198.51.100.1"); fieldsOf(err)["email"] == "" {
		t.Fatalf("empty email: %v", err)
	}
	got, token, err := s.RequestPasswordReset(ctx, " ann@example.org ", "198.51.100.1")
	if err != nil || got == nil || got.ID != u.ID || len(token) < 40 {
		t.Fatalf("known: %v %q %v", got, token, err)
	}
	// Only the hash is stored.
	if n, _ := s.db.Collection(colResets).CountDocuments(ctx, map[string]any{"_id": token}); n != 0 {
		t.Fatal("the token itself is stored")
	}
	if n, _ := s.db.Collection(colResets).CountDocuments(ctx, map[string]any{"_id": hashSecret(token)}); n != 1 {
		t.Fatal("the token's hash is not stored")
	}
	if who, err := s.PasswordResetUser(ctx, token); err != nil || who.ID != u.ID {
		t.Fatalf("link: %v %v", who, err)
	}
	if _, err := s.PasswordResetUser(ctx, token+"x"); fault.KindOf(err) != fault.NotFound {
		t.Fatalf("wrong token: %v", err)
	}
	if _, err := s.ResetPassword(ctx, token, "short", "short", ""); fieldsOf(err)["password"] == "" {
		t.Fatalf("weak password: %v", err)
	}
	const newPassword = "copper lantern meadow 77"
	if _, err := s.ResetPassword(ctx, token, newPassword, newPassword+"x", ""); fieldsOf(err)["confirm_password"] == "" {
		t.Fatalf("mismatch: %v", err)
	}
	if _, err := s.ResetPassword(ctx, token, newPassword, newPassword, "198.51.100.1"); err != nil {
		t.Fatal(err)
	}
	// Single use; every session ended; the new password works, the old does not.
	if _, err := s.ResetPassword(ctx, token, newPassword, newPassword, ""); fault.KindOf(err) != fault.NotFound {
		t.Fatalf("second use: %v", err)
	}
	if n, _ := s.UserSessionCount(ctx, u.ID); n != 0 {
		t.Fatalf("%d sessions left", n)
	}
	if _, err := s.Session(ctx, ss1.ID, SessionTimeouts{Idle: time.Hour, Absolute: time.Hour}); err == nil {
		t.Fatal("an old session still works")
	}
	if _, err := s.Login(ctx, "ann@example.org", newPassword, "192.0.2.1"); err != nil {
		t.Fatalf("new password: %v", err)
	}
	if _, err := s.Login(ctx, "ann@example.org", goodPassword, "192.0.2.1"); err == nil {
		t.Fatal("the old password still works")
	}

	// Expiry after an hour.
	clk.Add(2 * time.Hour) // past the throttle window too
	_, token, _ = s.RequestPasswordReset(ctx, "ann@example.org", "198.51.100.2")
	clk.Add(PasswordResetLifetime - time.Second)
	if _, err := s.PasswordResetUser(ctx, token); err != nil {
		t.Fatalf("just before expiry: %v", err)
	}
	clk.Add(2 * time.Second)
	if _, err := s.ResetPassword(ctx, token, newPassword+"x", newPassword+"x", ""); fault.KindOf(err) != fault.NotFound {
		t.Fatalf("after expiry: %v", err)
	}

	// A password changed by other means makes an outstanding link stale.
	clk.Add(2 * time.Hour)
	_, token, _ = s.RequestPasswordReset(ctx, "ann@example.org", "198.51.100.3")
	clk.Add(time.Second)
	if err := s.ChangePassword(ctx, &Principal{UserID: u.ID}, u.ID, newPassword, goodPassword, ""); err != nil {
		t.Fatal(err)
	}
	if _, err := s.PasswordResetUser(ctx, token); fault.KindOf(err) != fault.NotFound {
		t.Fatalf("after a password change: %v", err)
	}

	// Audited.
	entries, _, err := s.AuditLog(ctx, AuditFilter{}, 1, 100)
	if err != nil {
		t.Fatal(err)
	}
	seen := map[string]int{}
	for _, e := range entries {
		seen[e.Action]++
	}
	if seen["password.reset.request"] < 4 || seen["password.reset"] != 1 {
		t.Fatalf("audit %v", seen)
	}
	// Sweep removes the expired and stale links.
	clk.Add(2 * time.Hour)
	if _, err := s.Sweep(ctx, SessionTimeouts{Idle: time.Hour, Absolute: time.Hour}); err != nil {
		t.Fatal(err)
	}
	if n, _ := s.db.Collection(colResets).CountDocuments(ctx, map[string]any{}); n != 0 {
		t.Fatalf("%d resets left after sweep", n)
	}
}

func TestPasswordResetThrottles(t *testing.T) {
	s, clk, ctx := newTestService(t)
	org := mustOrg(t, s, ctx, "SUP1", "Org One")
	mustUser(t, s, ctx, UserInput{Email: "ann@example.org", Name: "Ann", Role: RoleProvider, OrgID: org.ID})
	// Per account: three links an hour; after that the answer is the same
	// but no link is made, whichever address asks.
	for i := range resetsPerAccount {
		if u, tok, err := s.RequestPasswordReset(ctx, "ann@example.org", "198.51.100."+string(rune('1'+i))); err != nil || u == nil || tok == "" {
			t.Fatalf("request %d: %v %v", i, tok, err)
		}
	}
	if u, tok, err := s.RequestPasswordReset(ctx, "ann@example.org", "203.0.113.9"); err != nil || u != nil || tok != "" {
		t.Fatalf("over the account limit: %v %q %v", u, tok, err)
	}
	// Per address: ten requests an hour, whatever the accounts.
	for i := range resetsPerAddress {
		if _, _, err := s.RequestPasswordReset(ctx, "x"+string(rune('a'+i))+"@example.org", "192.0.2.50"); err != nil {
			t.Fatalf("address request %d: %v", i, err)
		}
	}
	if _, _, err := s.RequestPasswordReset(ctx, "nobody@example.org", "192.0.2.50"); fault.KindOf(err) != fault.RateLimited {
		t.Fatalf("over the address limit: %v", err)
	}
	clk.Add(resetWindow)
	if u, tok, err := s.RequestPasswordReset(ctx, "ann@example.org", "192.0.2.50"); err != nil || u == nil || tok == "" {
		t.Fatalf("after the window: %v %q %v", u, tok, err)
	}
	// Not for a deactivated account.
	d := mustUser(t, s, ctx, UserInput{Email: "gone@example.org", Name: "Gone", Role: RoleAdmin})
	if err := s.SetUserActive(ctx, CommandLine, d.ID, false); err != nil {
		t.Fatal(err)
	}
	if u, tok, err := s.RequestPasswordReset(ctx, "gone@example.org", "192.0.2.60"); err != nil || u != nil || tok != "" {
		t.Fatalf("deactivated: %v %q %v", u, tok, err)
	}
	if _, _, err := s.AdminPasswordReset(ctx, CommandLine, d.ID); fault.KindOf(err) != fault.Conflict {
		t.Fatalf("admin reset of a deactivated account: %v", err)
	}
}
