package einvoice

import (
	"bytes"
	"encoding/base64"
	"encoding/xml"
	"errors"
	"io"
)

// Marshal writes the document as a Peppol BIS Billing 3.0 UBL 2.1 Invoice or
// CreditNote and checks the result with Parse, so what it returns always
// passes the validator; a document that would not comes back as a
// *ValidationError. Totals and VAT are written as given: call ComputeTotals
// first to derive them from the lines.
func Marshal(doc *Document) ([]byte, error) {
	u := toUBL(doc)
	raw, err := xml.Marshal(u)
	if err != nil {
		return nil, err
	}
	ns := NSInvoice
	if doc.Type == TypeCreditNote {
		ns = NSCreditNote
	}
	out, err := prefixed(raw, ns)
	if err != nil {
		return nil, err
	}
	if _, err := Parse(out); err != nil {
		return nil, err
	}
	return out, nil
}

// ComputeTotals derives the VAT breakdown (one per VAT category and rate, in
// the order first used; VAT rounded per breakdown as BR-CO-17 asks) and the
// document totals from the lines and the document level allowances and
// charges. Exemption reasons already given in VAT are kept; categories E, AE
// and O without one get a plain default.
func (d *Document) ComputeTotals() {
	type group struct {
		cat     string
		rate    *Decimal
		taxable int64
	}
	var order []vatKey
	groups := map[vatKey]*group{}
	add := func(cat string, rate *Decimal, p int64) {
		k := rateKey(cat, rate)
		g := groups[k]
		if g == nil {
			g = &group{cat: cat, rate: rate}
			groups[k] = g
			order = append(order, k)
		}
		g.taxable += p
	}
	t := &d.Totals
	t.LineNetPence, t.AllowancesPence, t.ChargesPence = 0, 0, 0
	for _, l := range d.Lines {
		t.LineNetPence += l.NetPence
		add(l.VATCategory, l.VATPercent, l.NetPence)
	}
	for _, ac := range d.AllowanceCharges {
		if ac.Charge {
			t.ChargesPence += ac.AmountPence
			add(ac.VATCategory, ac.VATPercent, ac.AmountPence)
		} else {
			t.AllowancesPence += ac.AmountPence
			add(ac.VATCategory, ac.VATPercent, -ac.AmountPence)
		}
	}
	t.AllowancesPresent = t.AllowancesPence != 0
	t.ChargesPresent = t.ChargesPence != 0
	old := map[vatKey]VATBreakdown{}
	for _, b := range d.VAT {
		old[rateKey(b.Category, b.Percent)] = b
	}
	d.VAT = nil
	t.VATPence = 0
	for _, k := range order {
		g := groups[k]
		b := VATBreakdown{Category: g.cat, Percent: g.rate, TaxablePence: g.taxable}
		if g.cat == "S" && g.rate != nil {
			b.TaxPence = VATOn(g.taxable, *g.rate)
		}
		if o, ok := old[k]; ok {
			b.ExemptionReason, b.ExemptionCode = o.ExemptionReason, o.ExemptionCode
		}
		if b.ExemptionReason == "" && b.ExemptionCode == "" {
			b.ExemptionReason = defaultExemption[g.cat]
		}
		t.VATPence += b.TaxPence
		d.VAT = append(d.VAT, b)
	}
	t.NetPence = t.LineNetPence - t.AllowancesPence + t.ChargesPence
	t.GrossPence = t.NetPence + t.VATPence
	t.PayablePence = t.GrossPence - t.PrepaidPence + t.RoundingPence
}

var defaultExemption = map[string]string{
	"E":  "Exempt from VAT",
	"AE": "Reverse charge",
	"O":  "Not subject to VAT",
}

func txt(s string) *text {
	if s == "" {
		return nil
	}
	return &text{Value: s}
}

func toUBL(d *Document) *ublDocument {
	cur := d.Currency
	if cur == "" {
		cur = "GBP"
	}
	money := func(p int64) *amount { return &amount{Value: FormatPence(p), CurrencyID: cur} }
	u := &ublDocument{
		CustomizationID:  txt(CustomizationBilling),
		ProfileID:        txt(ProfileBilling),
		ID:               txt(d.Number),
		IssueDate:        txt(d.IssueDate),
		DocumentCurrency: &code{Value: cur},
		AccountingCost:   txt(d.AccountingCost),
		BuyerReference:   txt(d.BuyerReference),
	}
	credit := d.Type == TypeCreditNote
	typeCode := d.TypeCode
	if credit {
		u.XMLName = xml.Name{Local: "CreditNote"}
		if typeCode == "" {
			typeCode = "381"
		}
		u.CreditNoteTypeCode = &code{Value: typeCode}
	} else {
		u.XMLName = xml.Name{Local: "Invoice"}
		if typeCode == "" {
			typeCode = "380"
		}
		u.InvoiceTypeCode = &code{Value: typeCode}
		u.DueDate = txt(d.DueDate)
	}
	if d.Note != "" {
		u.Note = []text{{Value: d.Note}} // one note (PEPPOL-EN16931-R002)
	}
	if d.PeriodStart != "" || d.PeriodEnd != "" {
		u.InvoicePeriod = &period{StartDate: txt(d.PeriodStart), EndDate: txt(d.PeriodEnd)}
	}
	if d.OrderReference != "" {
		u.OrderReference = &orderReference{ID: txt(d.OrderReference)}
	}
	for _, b := range d.BillingReferences {
		u.BillingReference = append(u.BillingReference, billingReference{
			InvoiceDocumentReference: &docReference{ID: txt(b.Number), IssueDate: txt(b.IssueDate)}})
	}
	if d.ContractReference != "" {
		u.ContractReference = &docReference{ID: txt(d.ContractReference)}
	}
	for _, a := range d.Attachments {
		r := additionalReference{ID: &ident{Value: a.ID}, DocumentDescription: txt(a.Description)}
		if len(a.Data) > 0 {
			r.Attachment = &attachment{Embedded: &binaryObject{
				Value: base64.StdEncoding.EncodeToString(a.Data), MimeCode: a.MimeCode, Filename: a.Filename}}
		} else if a.URI != "" {
			r.Attachment = &attachment{ExternalReference: &externalReference{URI: txt(a.URI)}}
		}
		u.AdditionalDocs = append(u.AdditionalDocs, r)
	}
	u.Supplier = &partyWrapper{Party: toParty(d.Supplier)}
	u.Customer = &partyWrapper{Party: toParty(d.Customer)}
	if d.DeliveryDate != "" {
		u.Delivery = &delivery{ActualDeliveryDate: txt(d.DeliveryDate)}
	}
	if pm := d.PaymentMeans; pm != nil || (credit && d.DueDate != "") {
		if pm == nil {
			pm = &PaymentMeans{Code: "1"} // instrument not defined: only carries the due date
		}
		m := paymentMeans{PaymentMeansCode: &code{Value: pm.Code}, PaymentID: txt(pm.PaymentID)}
		if credit {
			m.PaymentDueDate = txt(d.DueDate)
		}
		if pm.AccountID != "" || pm.AccountName != "" || pm.SortCode != "" {
			m.PayeeAccount = &financialAccount{ID: txt(pm.AccountID), Name: txt(pm.AccountName)}
			if pm.SortCode != "" {
				m.PayeeAccount.Branch = &branch{ID: txt(pm.SortCode)}
			}
		}
		u.PaymentMeans = []paymentMeans{m}
	}
	if d.PaymentTerms != "" {
		u.PaymentTerms = &paymentTerms{Note: txt(d.PaymentTerms)}
	}
	for _, ac := range d.AllowanceCharges {
		u.AllowanceCharge = append(u.AllowanceCharge, toAllowanceCharge(ac, money, true))
	}
	tt := taxTotal{TaxAmount: money(d.Totals.VATPence)}
	for _, b := range d.VAT {
		tc := &taxCategory{ID: txt(b.Category), TaxExemptionReasonCode: txt(b.ExemptionCode),
			TaxExemptionReason: txt(b.ExemptionReason), TaxScheme: &taxScheme{ID: txt("VAT")}}
		if b.Percent != nil {
			tc.Percent = txt(b.Percent.String())
		}
		tt.TaxSubtotal = append(tt.TaxSubtotal, taxSubtotal{
			TaxableAmount: money(b.TaxablePence), TaxAmount: money(b.TaxPence), TaxCategory: tc})
	}
	u.TaxTotal = []taxTotal{tt}
	t := d.Totals
	mt := &monetaryTotal{
		LineExtensionAmount: money(t.LineNetPence),
		TaxExclusiveAmount:  money(t.NetPence),
		TaxInclusiveAmount:  money(t.GrossPence),
		PayableAmount:       money(t.PayablePence),
	}
	if t.AllowancesPresent || t.AllowancesPence != 0 {
		mt.AllowanceTotalAmount = money(t.AllowancesPence)
	}
	if t.ChargesPresent || t.ChargesPence != 0 {
		mt.ChargeTotalAmount = money(t.ChargesPence)
	}
	if t.PrepaidPence != 0 {
		mt.PrepaidAmount = money(t.PrepaidPence)
	}
	if t.RoundingPence != 0 {
		mt.PayableRoundingAmount = money(t.RoundingPence)
	}
	u.MonetaryTotal = mt
	for _, l := range d.Lines {
		ul := ublLine{ID: txt(l.ID), Note: txt(l.Note), LineExtensionAmount: money(l.NetPence)}
		q := &quantity{Value: l.Quantity.String(), UnitCode: l.UnitCode}
		if credit {
			ul.CreditedQuantity = q
		} else {
			ul.InvoicedQuantity = q
		}
		if l.PeriodStart != "" || l.PeriodEnd != "" {
			ul.InvoicePeriod = &period{StartDate: txt(l.PeriodStart), EndDate: txt(l.PeriodEnd)}
		}
		for _, ac := range l.AllowanceCharges {
			ul.AllowanceCharge = append(ul.AllowanceCharge, toAllowanceCharge(ac, money, false))
		}
		ct := &classifiedTaxCategory{ID: txt(l.VATCategory), TaxScheme: &taxScheme{ID: txt("VAT")}}
		if l.VATPercent != nil {
			ct.Percent = txt(l.VATPercent.String())
		}
		ul.Item = &item{Description: txt(l.Description), Name: txt(l.Name), ClassifiedTaxCategory: ct}
		if l.SellerItemID != "" {
			ul.Item.SellersItemID = &sellersItem{ID: txt(l.SellerItemID)}
		}
		ul.Price = &price{PriceAmount: &amount{Value: l.Price.String(), CurrencyID: cur}}
		if l.BaseQuantity != nil {
			ul.Price.BaseQuantity = &quantity{Value: l.BaseQuantity.String(), UnitCode: l.UnitCode}
		}
		if credit {
			u.CreditNoteLine = append(u.CreditNoteLine, ul)
		} else {
			u.InvoiceLine = append(u.InvoiceLine, ul)
		}
	}
	return u
}

func toAllowanceCharge(ac AllowanceCharge, money func(int64) *amount, withCategory bool) allowanceCharge {
	ind := "false"
	if ac.Charge {
		ind = "true"
	}
	out := allowanceCharge{ChargeIndicator: txt(ind), ReasonCode: txt(ac.ReasonCode), Reason: txt(ac.Reason), Amount: money(ac.AmountPence)}
	if ac.Percent != nil {
		out.Multiplier = txt(ac.Percent.String())
	}
	if ac.BasePence != 0 {
		out.BaseAmount = money(ac.BasePence)
	}
	if withCategory {
		out.TaxCategory = &taxCategory{ID: txt(ac.VATCategory), TaxScheme: &taxScheme{ID: txt("VAT")}}
		if ac.VATPercent != nil {
			out.TaxCategory.Percent = txt(ac.VATPercent.String())
		}
	}
	return out
}

func toParty(p Party) *party {
	out := &party{}
	if p.EndpointID != "" {
		out.EndpointID = &ident{Value: p.EndpointID, SchemeID: p.EndpointScheme}
	}
	if p.ID != "" {
		out.Identification = []identification{{ID: &ident{Value: p.ID, SchemeID: p.IDScheme}}}
	}
	if p.Name != "" {
		out.PartyName = &partyName{Name: txt(p.Name)}
	}
	a := p.Address
	if a != (Address{}) {
		out.PostalAddress = &address{StreetName: txt(a.Street), AdditionalStreetName: txt(a.AdditionalStreet),
			CityName: txt(a.City), PostalZone: txt(a.PostCode), CountrySubentity: txt(a.CountrySubentity)}
	}
	if a.Line != "" {
		out.PostalAddress.AddressLine = &addressLine{Line: txt(a.Line)}
	}
	if a.Country != "" {
		out.PostalAddress.Country = &country{IdentificationCode: &code{Value: a.Country}}
	}
	if p.VATNumber != "" {
		out.TaxScheme = []partyTaxScheme{{CompanyID: txt(p.VATNumber), TaxScheme: &taxScheme{ID: txt("VAT")}}}
	}
	if p.TaxRegistration != "" {
		ts := partyTaxScheme{CompanyID: txt(p.TaxRegistration)}
		if p.TaxRegScheme != "" {
			ts.TaxScheme = &taxScheme{ID: txt(p.TaxRegScheme)}
		}
		out.TaxScheme = append(out.TaxScheme, ts)
	}
	legal := p.LegalName
	if legal == "" {
		legal = p.Name
	}
	out.LegalEntity = &legalEntity{RegistrationName: txt(legal)}
	if p.CompanyID != "" {
		out.LegalEntity.CompanyID = &ident{Value: p.CompanyID, SchemeID: p.CompanyScheme}
	}
	if p.ContactName != "" || p.ContactPhone != "" || p.ContactEmail != "" {
		out.Contact = &contact{Name: txt(p.ContactName), Telephone: txt(p.ContactPhone), ElectronicMail: txt(p.ContactEmail)}
	}
	return out
}

// prefixed rewrites the output of xml.Marshal (tags without namespaces) into
// a UBL document: the root in the document namespace, every element with
// children as cac:, every leaf as cbc:, indented. It works on tokens, never
// on strings.
func prefixed(raw []byte, rootNS string) ([]byte, error) {
	type node struct {
		name     string
		attrs    []xml.Attr
		text     string
		children []*node
	}
	dec := xml.NewDecoder(bytes.NewReader(raw))
	var root *node
	var stack []*node
	for {
		tok, err := dec.Token()
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, err
		}
		switch t := tok.(type) {
		case xml.StartElement:
			n := &node{name: t.Name.Local}
			for _, a := range t.Attr {
				if a.Name.Space == "" && a.Name.Local != "xmlns" {
					n.attrs = append(n.attrs, xml.Attr{Name: xml.Name{Local: a.Name.Local}, Value: a.Value})
				}
			}
			if len(stack) == 0 {
				root = n
			} else {
				p := stack[len(stack)-1]
				p.children = append(p.children, n)
			}
			stack = append(stack, n)
		case xml.CharData:
			if len(stack) > 0 {
				stack[len(stack)-1].text += string(t)
			}
		case xml.EndElement:
			stack = stack[:len(stack)-1]
		}
	}
	if root == nil {
		return nil, errors.New("einvoice: nothing was marshalled")
	}
	var buf bytes.Buffer
	buf.WriteString(xml.Header)
	enc := xml.NewEncoder(&buf)
	enc.Indent("", "  ")
	var write func(n *node, name string) error
	write = func(n *node, name string) error {
		start := xml.StartElement{Name: xml.Name{Local: name}, Attr: n.attrs}
		if err := enc.EncodeToken(start); err != nil {
			return err
		}
		if len(n.children) == 0 {
			if err := enc.EncodeToken(xml.CharData(n.text)); err != nil {
				return err
			}
		}
		for _, ch := range n.children {
			prefix := "cbc:"
			if len(ch.children) > 0 {
				prefix = "cac:"
			}
			if err := write(ch, prefix+ch.name); err != nil {
				return err
			}
		}
		return enc.EncodeToken(start.End())
	}
	root.attrs = append([]xml.Attr{
		{Name: xml.Name{Local: "xmlns"}, Value: rootNS},
		{Name: xml.Name{Local: "xmlns:cac"}, Value: NSCAC},
		{Name: xml.Name{Local: "xmlns:cbc"}, Value: NSCBC},
	}, root.attrs...)
	if err := write(root, root.name); err != nil {
		return nil, err
	}
	if err := enc.Flush(); err != nil {
		return nil, err
	}
	buf.WriteString("\n")
	return buf.Bytes(), nil
}
