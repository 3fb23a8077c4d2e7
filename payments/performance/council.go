package performance

import "careportal/payments"

// Council is the council as the buyer on the e-invoices and invoice
// responses the portal writes: the contracting authority's details.
func (s Settings) Council() payments.Council {
	return payments.Council{Name: s.AuthorityName, Identifier: s.AuthorityIdentifier, Address: s.AuthorityAddress,
		Email: s.AuthorityEmail, Telephone: s.AuthorityTelephone}
}
