package einvoice

import "encoding/xml"

// The wire structs: the subset of UBL 2.1 that Peppol BIS Billing 3.0 uses,
// one set for Invoice and CreditNote (the few elements that differ are both
// present, and only one is ever filled). Field order is the UBL schema's
// sequence, which the produced documents must follow.
//
// The tags carry no namespace: the safety scan (scan.go) has already checked
// that every element is in the cac or cbc namespace its role needs, and
// marshal.go gives each element its prefix when writing. Every leaf keeps its
// text as written, so the validator can see "12.345" and the missing
// currencyID, which a float or a default would hide.

// Namespaces of UBL 2.1.
const (
	NSInvoice             = "urn:oasis:names:specification:ubl:schema:xsd:Invoice-2"
	NSCreditNote          = "urn:oasis:names:specification:ubl:schema:xsd:CreditNote-2"
	NSApplicationResponse = "urn:oasis:names:specification:ubl:schema:xsd:ApplicationResponse-2"
	NSCAC                 = "urn:oasis:names:specification:ubl:schema:xsd:CommonAggregateComponents-2"
	NSCBC                 = "urn:oasis:names:specification:ubl:schema:xsd:CommonBasicComponents-2"
	NSEXT                 = "urn:oasis:names:specification:ubl:schema:xsd:CommonExtensionComponents-2"
)

// Peppol BIS Billing 3.0 identifiers (BT-24 and BT-23).
const (
	CustomizationBilling = "urn:cen.eu:en16931:2017#compliant#urn:fdc:peppol.eu:2017:poacc:billing:3.0"
	ProfileBilling       = "urn:fdc:peppol.eu:2017:poacc:billing:01:1.0"
)

type text struct {
	Value string `xml:",chardata"`
}

type ident struct {
	Value    string `xml:",chardata"`
	SchemeID string `xml:"schemeID,attr,omitempty"`
}

type amount struct {
	Value      string `xml:",chardata"`
	CurrencyID string `xml:"currencyID,attr,omitempty"`
}

type quantity struct {
	Value    string `xml:",chardata"`
	UnitCode string `xml:"unitCode,attr,omitempty"`
}

type code struct {
	Value  string `xml:",chardata"`
	ListID string `xml:"listID,attr,omitempty"`
	Name   string `xml:"name,attr,omitempty"`
}

type binaryObject struct {
	Value    string `xml:",chardata"`
	MimeCode string `xml:"mimeCode,attr,omitempty"`
	Filename string `xml:"filename,attr,omitempty"`
}

type ublDocument struct {
	XMLName            xml.Name
	CustomizationID    *text                 `xml:"CustomizationID"`
	ProfileID          *text                 `xml:"ProfileID"`
	ID                 *text                 `xml:"ID"`
	IssueDate          *text                 `xml:"IssueDate"`
	DueDate            *text                 `xml:"DueDate"`
	InvoiceTypeCode    *code                 `xml:"InvoiceTypeCode"`
	CreditNoteTypeCode *code                 `xml:"CreditNoteTypeCode"`
	Note               []text                `xml:"Note"`
	DocumentCurrency   *code                 `xml:"DocumentCurrencyCode"`
	TaxCurrency        *code                 `xml:"TaxCurrencyCode"`
	AccountingCost     *text                 `xml:"AccountingCost"`
	BuyerReference     *text                 `xml:"BuyerReference"`
	InvoicePeriod      *period               `xml:"InvoicePeriod"`
	OrderReference     *orderReference       `xml:"OrderReference"`
	BillingReference   []billingReference    `xml:"BillingReference"`
	ContractReference  *docReference         `xml:"ContractDocumentReference"`
	AdditionalDocs     []additionalReference `xml:"AdditionalDocumentReference"`
	Supplier           *partyWrapper         `xml:"AccountingSupplierParty"`
	Customer           *partyWrapper         `xml:"AccountingCustomerParty"`
	Delivery           *delivery             `xml:"Delivery"`
	PaymentMeans       []paymentMeans        `xml:"PaymentMeans"`
	PaymentTerms       *paymentTerms         `xml:"PaymentTerms"`
	AllowanceCharge    []allowanceCharge     `xml:"AllowanceCharge"`
	TaxTotal           []taxTotal            `xml:"TaxTotal"`
	MonetaryTotal      *monetaryTotal        `xml:"LegalMonetaryTotal"`
	InvoiceLine        []ublLine             `xml:"InvoiceLine"`
	CreditNoteLine     []ublLine             `xml:"CreditNoteLine"`
}

type period struct {
	StartDate *text `xml:"StartDate"`
	EndDate   *text `xml:"EndDate"`
}

type orderReference struct {
	ID           *text `xml:"ID"`
	SalesOrderID *text `xml:"SalesOrderID"`
}

type billingReference struct {
	InvoiceDocumentReference *docReference `xml:"InvoiceDocumentReference"`
}

type docReference struct {
	ID        *text `xml:"ID"`
	IssueDate *text `xml:"IssueDate"`
}

type additionalReference struct {
	ID                  *ident      `xml:"ID"`
	DocumentTypeCode    *code       `xml:"DocumentTypeCode"`
	DocumentDescription *text       `xml:"DocumentDescription"`
	Attachment          *attachment `xml:"Attachment"`
}

type attachment struct {
	Embedded          *binaryObject      `xml:"EmbeddedDocumentBinaryObject"`
	ExternalReference *externalReference `xml:"ExternalReference"`
}

type externalReference struct {
	URI *text `xml:"URI"`
}

type partyWrapper struct {
	Party *party `xml:"Party"`
}

type party struct {
	EndpointID     *ident           `xml:"EndpointID"`
	Identification []identification `xml:"PartyIdentification"`
	PartyName      *partyName       `xml:"PartyName"`
	PostalAddress  *address         `xml:"PostalAddress"`
	TaxScheme      []partyTaxScheme `xml:"PartyTaxScheme"`
	LegalEntity    *legalEntity     `xml:"PartyLegalEntity"`
	Contact        *contact         `xml:"Contact"`
}

type identification struct {
	ID *ident `xml:"ID"`
}

type partyName struct {
	Name *text `xml:"Name"`
}

type address struct {
	StreetName           *text        `xml:"StreetName"`
	AdditionalStreetName *text        `xml:"AdditionalStreetName"`
	CityName             *text        `xml:"CityName"`
	PostalZone           *text        `xml:"PostalZone"`
	CountrySubentity     *text        `xml:"CountrySubentity"`
	AddressLine          *addressLine `xml:"AddressLine"`
	Country              *country     `xml:"Country"`
}

type addressLine struct {
	Line *text `xml:"Line"`
}

type country struct {
	IdentificationCode *code `xml:"IdentificationCode"`
}

type partyTaxScheme struct {
	CompanyID *text      `xml:"CompanyID"`
	TaxScheme *taxScheme `xml:"TaxScheme"`
}

type taxScheme struct {
	ID *text `xml:"ID"`
}

type legalEntity struct {
	RegistrationName *text  `xml:"RegistrationName"`
	CompanyID        *ident `xml:"CompanyID"`
}

type contact struct {
	Name           *text `xml:"Name"`
	Telephone      *text `xml:"Telephone"`
	ElectronicMail *text `xml:"ElectronicMail"`
}

type delivery struct {
	ActualDeliveryDate *text `xml:"ActualDeliveryDate"`
}

type paymentMeans struct {
	PaymentMeansCode *code             `xml:"PaymentMeansCode"`
	PaymentDueDate   *text             `xml:"PaymentDueDate"`
	PaymentID        *text             `xml:"PaymentID"`
	PayeeAccount     *financialAccount `xml:"PayeeFinancialAccount"`
}

type financialAccount struct {
	ID     *text   `xml:"ID"`
	Name   *text   `xml:"Name"`
	Branch *branch `xml:"FinancialInstitutionBranch"`
}

type branch struct {
	ID *text `xml:"ID"`
}

type paymentTerms struct {
	Note *text `xml:"Note"`
}

type allowanceCharge struct {
	ChargeIndicator *text        `xml:"ChargeIndicator"`
	ReasonCode      *text        `xml:"AllowanceChargeReasonCode"`
	Reason          *text        `xml:"AllowanceChargeReason"`
	Multiplier      *text        `xml:"MultiplierFactorNumeric"`
	Amount          *amount      `xml:"Amount"`
	BaseAmount      *amount      `xml:"BaseAmount"`
	TaxCategory     *taxCategory `xml:"TaxCategory"`
}

type taxTotal struct {
	TaxAmount   *amount       `xml:"TaxAmount"`
	TaxSubtotal []taxSubtotal `xml:"TaxSubtotal"`
}

type taxSubtotal struct {
	TaxableAmount *amount      `xml:"TaxableAmount"`
	TaxAmount     *amount      `xml:"TaxAmount"`
	TaxCategory   *taxCategory `xml:"TaxCategory"`
}

type taxCategory struct {
	ID                     *text      `xml:"ID"`
	Percent                *text      `xml:"Percent"`
	TaxExemptionReasonCode *text      `xml:"TaxExemptionReasonCode"`
	TaxExemptionReason     *text      `xml:"TaxExemptionReason"`
	TaxScheme              *taxScheme `xml:"TaxScheme"`
}

type monetaryTotal struct {
	LineExtensionAmount   *amount `xml:"LineExtensionAmount"`
	TaxExclusiveAmount    *amount `xml:"TaxExclusiveAmount"`
	TaxInclusiveAmount    *amount `xml:"TaxInclusiveAmount"`
	AllowanceTotalAmount  *amount `xml:"AllowanceTotalAmount"`
	ChargeTotalAmount     *amount `xml:"ChargeTotalAmount"`
	PrepaidAmount         *amount `xml:"PrepaidAmount"`
	PayableRoundingAmount *amount `xml:"PayableRoundingAmount"`
	PayableAmount         *amount `xml:"PayableAmount"`
}

type ublLine struct {
	ID                  *text             `xml:"ID"`
	Note                *text             `xml:"Note"`
	InvoicedQuantity    *quantity         `xml:"InvoicedQuantity"`
	CreditedQuantity    *quantity         `xml:"CreditedQuantity"`
	LineExtensionAmount *amount           `xml:"LineExtensionAmount"`
	AccountingCost      *text             `xml:"AccountingCost"`
	InvoicePeriod       *period           `xml:"InvoicePeriod"`
	OrderLineReference  *orderLineRef     `xml:"OrderLineReference"`
	AllowanceCharge     []allowanceCharge `xml:"AllowanceCharge"`
	Item                *item             `xml:"Item"`
	Price               *price            `xml:"Price"`
}

type orderLineRef struct {
	LineID *text `xml:"LineID"`
}

type item struct {
	Description           *text                  `xml:"Description"`
	Name                  *text                  `xml:"Name"`
	SellersItemID         *sellersItem           `xml:"SellersItemIdentification"`
	ClassifiedTaxCategory *classifiedTaxCategory `xml:"ClassifiedTaxCategory"`
}

type sellersItem struct {
	ID *text `xml:"ID"`
}

type classifiedTaxCategory struct {
	ID        *text      `xml:"ID"`
	Percent   *text      `xml:"Percent"`
	TaxScheme *taxScheme `xml:"TaxScheme"`
}

type price struct {
	PriceAmount  *amount   `xml:"PriceAmount"`
	BaseQuantity *quantity `xml:"BaseQuantity"`
}
