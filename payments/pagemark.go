package payments

// PageMark is a cheap change mark of everything the read model holds, the
// invoices and the contracts: it grows whenever either changes (own writes,
// imports, polled changes of other instances), and never goes back. The
// portal keeps rendered invoice pages for one mark (portal/render_memo.go).
func (s *Service) PageMark() uint64 {
	s.mu.RLock()
	defer s.mu.RUnlock()
	return s.gen + s.contractsGen
}
