package einvoice

import (
	"bytes"
	"errors"
	"reflect"
	"strings"
	"testing"
)

var (
	council  = ResponseParty{EndpointID: "5060000000017", EndpointScheme: "0088", Name: "The Borough Council"}
	provider = ResponseParty{EndpointID: "GB284619375", EndpointScheme: "9932", Name: "Brightwater Home Care Ltd", ID: "SUP-0042"}
)

// The responses of one invoice's life: received, in process, queried,
// accepted, paid; each round-trips and says what it should.
func TestInvoiceResponsesFollowTheLifecycle(t *testing.T) {
	steps := []Response{
		{Status: StatusReceived, IssueDate: "2026-04-01"},
		{Status: StatusInProcess, IssueDate: "2026-04-02"},
		{Status: StatusUnderQuery, IssueDate: "2026-04-03", ReasonCode: "QTY", Reason: "Two visits on 14 March were not delivered"},
		{Status: StatusConditionallyAccepted, IssueDate: "2026-04-06", Reason: "Accepted if the credit note for two hours follows"},
		{Status: StatusAccepted, IssueDate: "2026-04-08"},
		{Status: StatusPaid, IssueDate: "2026-04-30", EffectiveDate: "2026-04-30"},
	}
	for i, r := range steps {
		r.ID = "INV-0042-R" + string(rune('1'+i))
		r.Sender, r.Receiver = council, provider
		r.InvoiceNumber, r.InvoiceDate = "INV-0042", "2026-03-31"
		out, err := MarshalResponse(r)
		if err != nil {
			t.Fatalf("%s: %v", r.Status, err)
		}
		if !bytes.Contains(out, []byte(`<cbc:ResponseCode listID="UNCL4343OpSubset">`+string(r.Status)+`</cbc:ResponseCode>`)) ||
			!bytes.Contains(out, []byte(`<ApplicationResponse xmlns="`+NSApplicationResponse+`"`)) ||
			!bytes.Contains(out, []byte("<cbc:CustomizationID>"+CustomizationInvoiceResponse+"</cbc:CustomizationID>")) ||
			!bytes.Contains(out, []byte("<cbc:ProfileID>"+ProfileInvoiceResponse+"</cbc:ProfileID>")) {
			t.Fatalf("%s: shape:\n%s", r.Status, out)
		}
		back, err := ParseResponse(out)
		if err != nil {
			t.Fatalf("%s: ParseResponse: %v\n%s", r.Status, err, out)
		}
		want := r
		want.DocumentType = "380"
		if r.Reason != "" && r.ReasonCode == "" {
			want.ReasonCode = "OTH"
		}
		if !reflect.DeepEqual(*back, want) {
			t.Fatalf("%s: round trip\nwant %+v\ngot  %+v", r.Status, want, *back)
		}
	}
}

func TestInvoiceResponseRules(t *testing.T) {
	base := Response{ID: "R1", IssueDate: "2026-04-03", Sender: council, Receiver: provider, InvoiceNumber: "INV-0042"}
	bad := map[string]func(r *Response){
		"under query without a reason": func(r *Response) { r.Status = StatusUnderQuery },
		"rejected without a reason":    func(r *Response) { r.Status = StatusRejected },
		"unknown status":               func(r *Response) { r.Status = "XX" },
		"unknown reason code":          func(r *Response) { r.Status = StatusRejected; r.ReasonCode = "ZZZ" },
		"no invoice number":            func(r *Response) { r.Status = StatusAccepted; r.InvoiceNumber = "" },
		"bad date":                     func(r *Response) { r.Status = StatusAccepted; r.IssueDate = "3 April 2026" },
		"bad paid date":                func(r *Response) { r.Status = StatusPaid; r.EffectiveDate = "30/04/2026" },
		"sender without endpoint":      func(r *Response) { r.Status = StatusAccepted; r.Sender.EndpointID = "" },
		"receiver without name":        func(r *Response) { r.Status = StatusAccepted; r.Receiver.Name = "" },
	}
	for name, change := range bad {
		r := base
		change(&r)
		if _, err := MarshalResponse(r); !errors.Is(err, ErrResponse) {
			t.Errorf("%s: want ErrResponse, got %v", name, err)
		}
	}
	r := base
	r.Status, r.ReasonCode, r.Reason, r.DocumentType = StatusRejected, "REF", "The contract reference CT-1 is not ours", "381"
	out, err := MarshalResponse(r)
	if err != nil {
		t.Fatal(err)
	}
	for _, want := range []string{`<cbc:StatusReasonCode listID="OPStatusReason">REF</cbc:StatusReasonCode>`,
		"<cbc:StatusReason>The contract reference CT-1 is not ours</cbc:StatusReason>", "<cbc:DocumentTypeCode>381</cbc:DocumentTypeCode>"} {
		if !strings.Contains(string(out), want) {
			t.Errorf("missing %s in\n%s", want, out)
		}
	}
	// The reader applies the same safety checks as Parse.
	if _, err := ParseResponse([]byte(`<!DOCTYPE a [<!ENTITY x SYSTEM "file:///etc/passwd">]><a/>`)); !errors.Is(err, ErrDoctype) {
		t.Errorf("doctype: %v", err)
	}
	if _, err := ParseResponse(readFixture(t, "testdata/valid/xero-standard-vat.xml")); !errors.Is(err, ErrNotUBL) {
		t.Errorf("an invoice read as a response: %v", err)
	}
}

func FuzzParseResponse(f *testing.F) {
	r := Response{ID: "R1", IssueDate: "2026-04-03", Sender: council, Receiver: provider, InvoiceNumber: "INV-0042",
		Status: StatusRejected, ReasonCode: "REF", Reason: "Unknown contract"}
	seed, err := MarshalResponse(r)
	if err != nil {
		f.Fatal(err)
	}
	f.Add(seed)
	f.Add([]byte(`<ApplicationResponse xmlns="` + NSApplicationResponse + `"/>`))
	f.Fuzz(func(t *testing.T, data []byte) {
		got, err := ParseResponse(data)
		if err != nil {
			return
		}
		// Anything read back is a response MarshalResponse accepts.
		if _, err := MarshalResponse(*got); err != nil {
			t.Fatalf("parsed response does not marshal: %v", err)
		}
	})
}
