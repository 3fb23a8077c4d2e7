package einvoice

import (
	"encoding/xml"
	"errors"
	"fmt"
	"strings"
)

// Peppol BIS Invoice Response 3.0 identifiers.
const (
	CustomizationInvoiceResponse = "urn:fdc:peppol.eu:poacc:trns:invoice_response:3"
	ProfileInvoiceResponse       = "urn:fdc:peppol.eu:poacc:bis:invoice_response:3"
)

// Status is an invoice response code (UNCL4343 subset of Peppol BIS Invoice
// Response 3.0).
type Status string

const (
	StatusReceived              Status = "AB" // acknowledged, received
	StatusInProcess             Status = "IP" // being processed
	StatusUnderQuery            Status = "UQ" // the buyer has a query: needs a reason
	StatusConditionallyAccepted Status = "CA" // accepted on conditions: needs a reason
	StatusRejected              Status = "RE" // rejected: needs a reason
	StatusAccepted              Status = "AP" // accepted for payment
	StatusPaid                  Status = "PD" // paid
)

var statusNames = map[Status]string{
	StatusReceived: "received", StatusInProcess: "in process", StatusUnderQuery: "under query",
	StatusConditionallyAccepted: "conditionally accepted", StatusRejected: "rejected",
	StatusAccepted: "accepted", StatusPaid: "paid",
}

// Name is the plain English name of the status.
func (s Status) Name() string { return statusNames[s] }

// NeedsReason reports whether a response with this status must say why.
func (s Status) NeedsReason() bool {
	return s == StatusUnderQuery || s == StatusRejected || s == StatusConditionallyAccepted
}

// OPStatusReason codes (Peppol) for the reason of a query or rejection.
var statusReasonCodes = codeSet("NON REF LEG REC QUA DEL PRI QTY ITM PAY UNR FIN PPD OTH")

// ResponseParty is the sender or receiver of an invoice response.
type ResponseParty struct {
	EndpointID     string
	EndpointScheme string
	ID             string // party identifier, optional
	Name           string
}

// Response is a status change of an invoice as a Peppol Invoice Response:
// the council (sender, the buyer) tells the provider (receiver, the seller).
type Response struct {
	ID            string // this response's own id
	IssueDate     string // YYYY-MM-DD
	Sender        ResponseParty
	Receiver      ResponseParty
	InvoiceNumber string // the invoice the response is about
	InvoiceDate   string // its issue date, optional
	DocumentType  string // 380 invoice (default), 381 credit note
	Status        Status
	ReasonCode    string // OPStatusReason code; OTH when only Reason is given
	Reason        string // plain text, shown to the provider
	EffectiveDate string // optional, e.g. the day paid
}

// ErrResponse is the kind of every error MarshalResponse returns for a bad
// response.
var ErrResponse = errors.New("einvoice: invoice response")

func (r *Response) check() error {
	var probs []string
	if r.ID == "" {
		probs = append(probs, "the response id is missing")
	}
	if !datePattern.MatchString(r.IssueDate) {
		probs = append(probs, "the issue date must be YYYY-MM-DD")
	}
	for _, d := range []struct{ name, v string }{{"invoice date", r.InvoiceDate}, {"effective date", r.EffectiveDate}} {
		if d.v != "" && !datePattern.MatchString(d.v) {
			probs = append(probs, "the "+d.name+" must be YYYY-MM-DD")
		}
	}
	if r.InvoiceNumber == "" {
		probs = append(probs, "the invoice number is missing")
	}
	if _, ok := statusNames[r.Status]; !ok {
		probs = append(probs, fmt.Sprintf("%q is not a response code (AB, IP, UQ, CA, RE, AP, PD)", r.Status))
	}
	if r.Status.NeedsReason() && r.Reason == "" && r.ReasonCode == "" {
		probs = append(probs, fmt.Sprintf("a response %s (%s) must give the reason", r.Status, r.Status.Name()))
	}
	if r.ReasonCode != "" && !statusReasonCodes[r.ReasonCode] {
		probs = append(probs, fmt.Sprintf("%q is not an OPStatusReason code", r.ReasonCode))
	}
	for _, p := range []struct {
		who string
		p   ResponseParty
	}{{"sender", r.Sender}, {"receiver", r.Receiver}} {
		if p.p.EndpointID == "" || p.p.EndpointScheme == "" {
			probs = append(probs, "the "+p.who+"'s electronic address and its scheme are needed")
		}
		if p.p.Name == "" {
			probs = append(probs, "the "+p.who+"'s name is missing")
		}
	}
	if len(probs) > 0 {
		return fmt.Errorf("%w: %s", ErrResponse, strings.Join(probs, "; "))
	}
	return nil
}

type ublResponse struct {
	XMLName         xml.Name
	CustomizationID *text          `xml:"CustomizationID"`
	ProfileID       *text          `xml:"ProfileID"`
	ID              *text          `xml:"ID"`
	IssueDate       *text          `xml:"IssueDate"`
	SenderParty     *responseParty `xml:"SenderParty"`
	ReceiverParty   *responseParty `xml:"ReceiverParty"`
	DocumentResp    *documentResp  `xml:"DocumentResponse"`
}

type responseParty struct {
	EndpointID     *ident           `xml:"EndpointID"`
	Identification []identification `xml:"PartyIdentification"`
	LegalEntity    *legalEntity     `xml:"PartyLegalEntity"`
}

type documentResp struct {
	Response  *responseBody    `xml:"Response"`
	Reference *responseDocRefs `xml:"DocumentReference"`
}

type responseBody struct {
	ResponseCode  *code           `xml:"ResponseCode"`
	EffectiveDate *text           `xml:"EffectiveDate"`
	Status        *responseStatus `xml:"Status"`
}

type responseStatus struct {
	StatusReasonCode *code `xml:"StatusReasonCode"`
	StatusReason     *text `xml:"StatusReason"`
}

type responseDocRefs struct {
	ID               *text `xml:"ID"`
	IssueDate        *text `xml:"IssueDate"`
	DocumentTypeCode *text `xml:"DocumentTypeCode"`
}

func toResponseParty(p ResponseParty) *responseParty {
	out := &responseParty{EndpointID: &ident{Value: p.EndpointID, SchemeID: p.EndpointScheme},
		LegalEntity: &legalEntity{RegistrationName: txt(p.Name)}}
	if p.ID != "" {
		out.Identification = []identification{{ID: &ident{Value: p.ID}}}
	}
	return out
}

// MarshalResponse writes a Peppol BIS Invoice Response 3.0 (UBL
// ApplicationResponse) for the status change.
func MarshalResponse(r Response) ([]byte, error) {
	if err := r.check(); err != nil {
		return nil, err
	}
	docType := r.DocumentType
	if docType == "" {
		docType = "380"
	}
	u := ublResponse{
		XMLName:         xml.Name{Local: "ApplicationResponse"},
		CustomizationID: txt(CustomizationInvoiceResponse),
		ProfileID:       txt(ProfileInvoiceResponse),
		ID:              txt(r.ID),
		IssueDate:       txt(r.IssueDate),
		SenderParty:     toResponseParty(r.Sender),
		ReceiverParty:   toResponseParty(r.Receiver),
		DocumentResp: &documentResp{
			Response: &responseBody{
				ResponseCode:  &code{Value: string(r.Status), ListID: "UNCL4343OpSubset"},
				EffectiveDate: txt(r.EffectiveDate),
			},
			Reference: &responseDocRefs{ID: txt(r.InvoiceNumber), IssueDate: txt(r.InvoiceDate), DocumentTypeCode: txt(docType)},
		},
	}
	if r.Reason != "" || r.ReasonCode != "" {
		rc := r.ReasonCode
		if rc == "" {
			rc = "OTH"
		}
		u.DocumentResp.Response.Status = &responseStatus{
			StatusReasonCode: &code{Value: rc, ListID: "OPStatusReason"},
			StatusReason:     txt(r.Reason),
		}
	}
	raw, err := xml.Marshal(u)
	if err != nil {
		return nil, err
	}
	return prefixed(raw, NSApplicationResponse)
}

// ParseResponse reads a Peppol Invoice Response with the same safety checks
// as Parse (size, DOCTYPE, depth, encoding).
func ParseResponse(data []byte) (*Response, error) {
	if err := scanSafe(data, NSApplicationResponse, "ApplicationResponse"); err != nil {
		return nil, err
	}
	var u ublResponse
	if err := xml.Unmarshal(data, &u); err != nil {
		return nil, &ParseError{Kind: ErrMalformed, Detail: err.Error()}
	}
	r := &Response{ID: str(u.ID), IssueDate: str(u.IssueDate)}
	party := func(p *responseParty) ResponseParty {
		var out ResponseParty
		if p == nil {
			return out
		}
		if p.EndpointID != nil {
			out.EndpointID, out.EndpointScheme = idv(p.EndpointID), p.EndpointID.SchemeID
		}
		if len(p.Identification) > 0 {
			out.ID = idv(p.Identification[0].ID)
		}
		if p.LegalEntity != nil {
			out.Name = str(p.LegalEntity.RegistrationName)
		}
		return out
	}
	r.Sender, r.Receiver = party(u.SenderParty), party(u.ReceiverParty)
	if dr := u.DocumentResp; dr != nil {
		if dr.Response != nil {
			r.Status = Status(codev(dr.Response.ResponseCode))
			r.EffectiveDate = str(dr.Response.EffectiveDate)
			if st := dr.Response.Status; st != nil {
				r.ReasonCode, r.Reason = codev(st.StatusReasonCode), str(st.StatusReason)
			}
		}
		if dr.Reference != nil {
			r.InvoiceNumber, r.InvoiceDate, r.DocumentType = str(dr.Reference.ID), str(dr.Reference.IssueDate), str(dr.Reference.DocumentTypeCode)
		}
	}
	if str(u.CustomizationID) != CustomizationInvoiceResponse {
		return nil, fmt.Errorf("%w: the customization id is not Peppol Invoice Response 3.0", ErrResponse)
	}
	if err := r.check(); err != nil {
		return nil, err
	}
	return r, nil
}
