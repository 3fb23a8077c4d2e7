package portal

// A provider asking for a new rate on one of its packages: the form on
// the provider's package page raises a query to the commissioning team
// (topic "contract-variation") with the evidence and an optional file.

import (
	"fmt"
	"net/http"
	"strings"

	"github.com/gorilla/mux"

	"careportal/portal/fault"
	"careportal/portal/format"
	"careportal/portal/queries"
)

// handlePackageRateRequest: POST /packages/{id}/rate-request.
func (s *Server) handlePackageRateRequest(w http.ResponseWriter, r *http.Request) error {
	p := principal(r)
	id := mux.Vars(r)["id"]
	file, ferr := readQueryUpload(r, "raterequest_attachment")
	form := postForm(r)
	var err error
	if ferr != nil {
		err = ferr
		if fault.KindOf(ferr) == fault.TooLarge {
			err = fault.InvalidField("attachment", "The selected file must be smaller than 5 MB")
		}
	}
	var q *queries.Query
	if err == nil {
		req, cerr := s.Packages.CheckRateRequest(r.Context(), p, id, form.Get("raterequest_from"), form.Get("raterequest_rate"), form.Get("raterequest_evidence"))
		err = cerr
		if err == nil {
			pkg := req.Package
			msg := fmt.Sprintf("We ask for a new rate on care package %s (contract %s, %s): %s per %s from %s, instead of %s.\n\nWhy:\n%s",
				pkg.Ref, pkg.ContractRef, label(pkg.ServiceType), format.Pence(req.Pence), label(pkg.Unit), format.Day(req.From), format.Pence(req.Current), req.Evidence)
			in := queries.RaiseInput{Topic: "contract-variation", Subject: "Rate change request: care package " + pkg.Ref, Message: msg, File: file}
			if s.Queries.Linking() {
				in.Link = "contract:" + pkg.ContractID
			}
			q, err = s.Queries.Raise(r.Context(), p, p.OrgName, in)
		}
	}
	if err == nil {
		s.setFlash(w, r, fmt.Sprintf("Your rate change request is sent to %s as query %s. The rate does not change until the council agrees it; you can follow the query on its page.", q.TeamName(), q.ID))
		return redirect(w, r, "/packages/"+id)
	}
	return s.packageProblem(w, r, id, false, form, err, func(f string) string {
		if strings.HasPrefix(f, "raterequest_") {
			return f
		}
		return "raterequest_" + f
	})
}
