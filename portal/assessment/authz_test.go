package assessment

import (
	"testing"

	"careportal/auth"
	"careportal/portal/fault"
)

// The service refuses changes by anyone the auth policy does not allow,
// whatever the handler in front of it checked.
func TestChangesFollowThePolicy(t *testing.T) {
	f := newFixture(t, nil)
	provider := &auth.Principal{Role: auth.RoleProvider, UserID: "p1", OrgID: "org1"}
	broker := &auth.Principal{Role: auth.RoleBrokerage, UserID: "b1"}
	for name, by := range map[string]*auth.Principal{"provider": provider, "brokerage": broker, "nobody": nil} {
		if _, _, err := f.svc.LoadBaseline(f.ctx, by); fault.KindOf(err) != fault.Forbidden {
			t.Errorf("%s loading the baseline: %v", name, err)
		}
	}
	if _, _, err := f.svc.LoadBaseline(f.ctx, alice); err != nil {
		t.Fatal(err)
	}
	if _, err := f.svc.StartRound(f.ctx, broker, RoundInput{Name: "2026", Date: "2026-03-10", FromRound: BaselineID}); fault.KindOf(err) != fault.Forbidden {
		t.Errorf("brokerage starting a round: %v", err)
	}
	rd, err := f.svc.StartRound(f.ctx, alice, RoundInput{Name: "2026", Date: "2026-03-10", FromRound: BaselineID})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := f.svc.UpdateDetails(f.ctx, provider, rd.ID, RoundInput{Name: "Renamed", Date: "2026-03-10"}); fault.KindOf(err) != fault.Forbidden {
		t.Errorf("provider renaming a round: %v", err)
	}
	if _, err := f.svc.Agree(f.ctx, broker, rd.ID); fault.KindOf(err) != fault.Forbidden {
		t.Errorf("brokerage agreeing a round: %v", err)
	}
	if _, err := f.svc.AddAction(f.ctx, provider, ActionInput{}); fault.KindOf(err) != fault.Forbidden {
		t.Errorf("provider adding an action: %v", err)
	}
	if _, err := f.svc.SaveMapping(f.ctx, alice, IndPaidWithin30Days, MappingInput{Questions: "7.2", Rules: "otherwise : 40", Reasoning: "x"}); fault.KindOf(err) != fault.Forbidden {
		t.Errorf("commissioner changing the settings (administrators only): %v", err)
	}
	if got, _ := f.svc.Round(f.ctx, rd.ID); got.Name != "2026" || got.Agreed() {
		t.Errorf("a refused change changed the round: %+v", got)
	}
}
