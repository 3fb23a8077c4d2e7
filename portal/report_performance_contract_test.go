package portal

import (
	"net/http"
	"strings"
	"testing"
)

// The staff dashboard's contract filter is a text field for the contract
// reference (not a drop-down of every contract), matched in any letter
// case, with the GOV.UK error pattern when the reference has no invoices.
func TestPerformanceContractField(t *testing.T) {
	f := newPerfServer(t)
	w := f.get(t, "/performance?from=2025-04-01&to=2025-09-30", f.comm)
	body := w.Body.String()
	if w.Code != http.StatusOK {
		t.Fatalf("status %d: %s", w.Code, body)
	}
	if !strings.Contains(body, `<input class="govuk-input govuk-input--width-10" id="contract" name="contract" type="text" value=""`) {
		t.Error("the contract filter is not a text input")
	}
	if strings.Contains(body, `<select class="govuk-select" id="contract"`) || strings.Contains(body, `<option value="HC-001"`) {
		t.Error("the dashboard still lists every contract")
	}

	// Lower case, with spaces: the register's spelling is used.
	w = f.get(t, "/performance?from=2025-04-01&to=2025-09-30&contract=+hc-001+", f.comm)
	body = w.Body.String()
	if w.Code != http.StatusOK {
		t.Fatalf("status %d: %s", w.Code, body)
	}
	for _, want := range []string{`value="HC-001"`, "contract HC-001", `data-figure="invoices_paid">2<`, "contract=HC-001"} {
		if !strings.Contains(body, want) {
			t.Errorf("contract HC-001 view lacks %q", want)
		}
	}
	if strings.Contains(body, "There is a problem") {
		t.Error("a known contract was reported as a problem")
	}

	// An unknown reference: error summary, message by the field, the input
	// kept, and the figures for every contract.
	w = f.get(t, "/performance?from=2025-04-01&to=2025-09-30&contract=NOPE-9", f.comm)
	body = w.Body.String()
	if w.Code != http.StatusOK {
		t.Fatalf("status %d: %s", w.Code, body)
	}
	msg := "Enter the reference of a contract with invoices, like HC-001"
	for _, want := range []string{"There is a problem", `<a href="#contract">` + msg + `</a>`,
		`<p id="contract-error" class="govuk-error-message"><span class="govuk-visually-hidden">Error:</span> ` + msg + `</p>`,
		`govuk-input--error" id="contract" name="contract" type="text" value="NOPE-9"`,
		`aria-describedby="contract-hint contract-error"`, `data-figure="invoices_paid">3<`} {
		if !strings.Contains(body, want) {
			t.Errorf("unknown contract: page lacks %q", want)
		}
	}
	if strings.Contains(body, "contract=NOPE-9") {
		t.Error("the export links carry the unknown contract")
	}
}
