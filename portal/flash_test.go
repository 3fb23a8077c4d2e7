package portal

import (
	"bytes"
	"context"
	"fmt"
	"go/ast"
	"go/parser"
	"go/token"
	"io"
	"mime/multipart"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"path/filepath"
	"sort"
	"strconv"
	"strings"
	"testing"
	"time"

	"careportal/auth"
	"careportal/payments"
	"careportal/payments/packages"
	"careportal/portal/internal/htmlcheck"
)

// flashCase is one action that sets a success message: who does it, the
// request (made by setup on the fixture), and the message the next page
// must show.
type flashCase struct {
	as    string // the signed-in user's email
	setup func(t *testing.T, f *accountsFixture) (path string, form url.Values)
	file  []byte // sent as the upload field "file" (multipart) when set
	want  string
}

var pdfForFlash = []byte("%PDF-1.4\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n")

// flashTable has an entry for every handler that sets a flash message,
// keyed by the handler's name (TestEveryFlashActionIsInTheTable checks).
var flashTable = map[string]flashCase{
	// accounts
	"handleAccountPasswordPost": {as: "flash-password@alpha.test", want: "Your password has been changed", setup: func(t *testing.T, f *accountsFixture) (string, url.Values) {
		next := "ochre lantern meadow 77"
		return "/account/password", url.Values{"current_password": {testPassword}, "new_password": {next}, "confirm_password": {next}}
	}},
	"handleOrgUserDeactivate": {as: "manager@alpha.test", want: "can no longer sign in", setup: func(t *testing.T, f *accountsFixture) (string, url.Values) {
		return "/org/users/" + fxUserOfA(t, f)["id"] + "/deactivate", url.Values{"confirm": {"yes"}}
	}},
	"handleOrgTokenRevoke": {as: "manager@alpha.test", want: "has been revoked", setup: func(t *testing.T, f *accountsFixture) (string, url.Values) {
		return "/org/tokens/" + fxTokenOfA(t, f)["id"] + "/revoke", url.Values{"confirm": {"yes"}}
	}},
	"handleAdminOrgCreate": {as: "admin@council.test", want: "Gamma Support has been added", setup: func(t *testing.T, f *accountsFixture) (string, url.Values) {
		return "/admin/orgs/new", url.Values{"name": {"Gamma Support"}, "supplier_ref": {"SUPG"}, "terms_days": {"21"}, "postcode": {"KB1 4QT"}}
	}},
	"handleAdminOrgUpdate": {as: "admin@council.test", want: "Your changes to Beta Homes have been saved", setup: func(t *testing.T, f *accountsFixture) (string, url.Values) {
		return "/admin/orgs/" + f.orgB.ID + "/edit", orgForm(f.orgB)
	}},
	"setOrgActive": {as: "admin@council.test", want: "Beta Homes has been deactivated", setup: func(t *testing.T, f *accountsFixture) (string, url.Values) {
		return "/admin/orgs/" + f.orgB.ID + "/deactivate", url.Values{"confirm": {"yes"}}
	}},
	"handleAdminUserUpdate": {as: "admin@council.test", want: "Cara Carer's account have been saved", setup: func(t *testing.T, f *accountsFixture) (string, url.Values) {
		return "/admin/users/" + f.carerA.ID + "/edit", url.Values{"email": {f.carerA.Email}, "name": {"Cara Carer"}, "role": {string(auth.RoleProvider)}, "org": {f.orgA.ID}}
	}},
	"setUserActive": {as: "admin@council.test", want: "account has been deactivated", setup: func(t *testing.T, f *accountsFixture) (string, url.Values) {
		return "/admin/users/" + f.carerA.ID + "/deactivate", url.Values{"confirm": {"yes"}}
	}},
	// email: preferences, the outbox, an admin's password reset
	"handleEmailPrefsPost": {as: "manager@alpha.test", want: "Your email choices have been saved", setup: func(t *testing.T, f *accountsFixture) (string, url.Values) {
		return "/account/emails", url.Values{"invoice": {"digest"}, "query": {"email"}, "forum": {"portal"}, "statement": {"email"}}
	}},
	"handleFinanceMailboxPost": {as: "manager@alpha.test", want: "Payment emails will also go to accounts@alpha.test", setup: func(t *testing.T, f *accountsFixture) (string, url.Values) {
		return "/org/finance-mailbox", url.Values{"email": {"accounts@alpha.test"}}
	}},
	"handleOutboxResend": {as: "admin@council.test", want: "Email is not set up, so the message is still not sent", setup: func(t *testing.T, f *accountsFixture) (string, url.Values) {
		return "/admin/outbox/" + fxMailOfA(t, f)["id"] + "/resend", nil
	}},
	"handleAdminPasswordReset": {as: "admin@council.test", want: "A password reset link has been emailed to carer@alpha.test", setup: func(t *testing.T, f *accountsFixture) (string, url.Values) {
		return "/admin/users/" + f.carerA.ID + "/password-reset", nil
	}},
	// contracts, invoices, payment runs
	"handleInvoiceCreate": {as: "manager@alpha.test", want: "has been submitted", file: pdfForFlash, setup: func(t *testing.T, f *accountsFixture) (string, url.Values) {
		c := fxContract(t, f)
		return "/invoices/new", url.Values{"contract_ref": {c.Reference}, "invoice_number": {"FLASH-1"}, "invoice_date": {time.Now().AddDate(0, 0, -3).Format("2006-01-02")},
			"period_start": {"2026-01-01"}, "period_end": {"2026-01-31"}, "net": {"10"}, "vat": {"0"}, "gross": {"10"}}
	}},
	"handleEInvoiceUpload": {as: "manager@alpha.test", want: "E-invoice FLASH-UBL-1 has been submitted with 2 lines", file: flashUBL(), setup: func(t *testing.T, f *accountsFixture) (string, url.Values) {
		return "/invoices/new/e-invoice", url.Values{"contract": {fxContract(t, f).Reference}}
	}},
	"invoiceStep": {as: "manager@alpha.test", want: "cancelled", setup: func(t *testing.T, f *accountsFixture) (string, url.Values) {
		return "/invoices/" + fxInvoiceOfA(t, f)["id"] + "/cancel", url.Values{"version": {"1"}, "confirm": {"yes"}, "cancel_note": {"Sent twice"}}
	}},
	"handleStaffInvoiceRecover": {as: "admin@council.test", want: "The whole overpayment is recovered", setup: func(t *testing.T, f *accountsFixture) (string, url.Values) {
		id := fxInvoiceOfA(t, f)["id"]
		ctx, staff, today := context.Background(), &auth.Principal{UserID: "staff", Name: "Staff", Role: auth.RoleBrokerage}, payments.LondonDay(time.Now())
		inv, err := f.ts.Payments.Transition(ctx, staff, id, 1, payments.StatusApproved, "", payments.Details{})
		if err == nil {
			inv, err = f.ts.Payments.RecordPayment(ctx, staff, id, inv.Version, payments.Money{Date: today, Pence: 1000, Reference: "BACS-F"})
		}
		if err == nil {
			inv, err = f.ts.Payments.RecordCredit(ctx, staff, id, inv.Version, payments.Money{Date: today, Pence: 200, Reference: "CN-F", Note: "Correction", Overpayment: true})
		}
		if err != nil {
			t.Fatal(err)
		}
		return "/staff/invoices/" + id + "/recover", url.Values{"version": {strconv.Itoa(inv.Version)}, "recovery_method": {"repaid"}, "recovery_date": {today}, "recovery_amount": {"2"}, "recovery_reference": {"RPY-F"}}
	}},
	"handleStaffInvoiceAction": {as: "admin@council.test", want: "approved", setup: func(t *testing.T, f *accountsFixture) (string, url.Values) {
		return "/staff/invoices/" + fxInvoiceOfA(t, f)["id"] + "/approve", url.Values{"version": {"1"}}
	}},
	"postCreditNote": {as: "manager@alpha.test", want: "has been recorded against invoice", setup: func(t *testing.T, f *accountsFixture) (string, url.Values) {
		return "/invoices/" + fxInvoiceOfA(t, f)["id"] + "/credit-note", url.Values{"number": {"FLASH-CN"}, "amount": {"1.00"}, "reason": {"One visit missed"}}
	}},
	"handleStaffContractCreate": {as: "admin@council.test", want: "Contract FLASH-C1 has been added", setup: func(t *testing.T, f *accountsFixture) (string, url.Values) {
		return "/staff/contracts/new", url.Values{"reference": {"FLASH-C1"}, "title": {"Flash"}, "supplier_ref": {f.orgA.SupplierRef}, "service_type": {"other"},
			"start_date": {"2025-01-01"}, "end_date": {"2030-01-01"}, "annual_value": {"1"}, "status": {"active"}}
	}},
	"handleStaffContractUpdate": {as: "admin@council.test", want: "have been saved", setup: func(t *testing.T, f *accountsFixture) (string, url.Values) {
		c := fxContract(t, f)
		return "/staff/contracts/" + c.ID + "/edit", contractForm(&c)
	}},
	"handleContractsImportPost": {as: "admin@council.test", want: "Contracts register imported", setup: func(t *testing.T, f *accountsFixture) (string, url.Values) {
		return "/staff/contracts/import", nil
	}, file: []byte("reference,title,supplier_ref,service_type,start_date,end_date,annual_value\nIMP-1,Imported,SUPA,home care,2025-04-01,2028-03-31,1000\n")},
	"handleRemittanceApply": {as: "admin@council.test", want: "marked paid", setup: func(t *testing.T, f *accountsFixture) (string, url.Values) {
		return "/staff/remittance/" + fxRemittanceRunOfA(t, f)["id"] + "/apply", nil
	}},
	"handleRemittanceResolve": {as: "admin@council.test", want: "Line 2 resolved.", setup: func(t *testing.T, f *accountsFixture) (string, url.Values) {
		id := fxRemittanceRunOfA(t, f)["id"]
		if _, err := f.ts.Remittance.Apply(context.Background(), &auth.Principal{Name: "Staff", Role: auth.RoleBrokerage}, id); err != nil {
			t.Fatal(err)
		}
		return "/staff/remittance/" + id + "/lines/2", url.Values{"kind": {"not_ours"}, "note": {"Not a portal invoice"}}
	}},
	// care packages and actuals
	"handleStaffPackageCreate": {as: "admin@council.test", want: "is placed with Alpha Care Ltd", setup: func(t *testing.T, f *accountsFixture) (string, url.Values) {
		c := fxContract(t, f)
		_, start := pastCycle()
		return "/staff/packages/new", url.Values{"package_ref": {"FLASH-P1"}, "client_ref": {"CL-F1"}, "client_name": {"Fay Flash"}, "date_of_birth": {"1940-01-01"},
			"contract_ref": {c.Reference}, "service_type": {"home-care"}, "unit": {"hour"}, "units_per_week": {"7"}, "rate": {"20"}, "start_date": {start}}
	}},
	"packageAction": {as: "manager@alpha.test", want: "You accepted the package", setup: func(t *testing.T, f *accountsFixture) (string, url.Values) {
		return "/packages/" + fxPackageOfA(t, f)["id"] + "/accept", url.Values{"version": {"1"}}
	}},
	"handlePackageRateRequest": {as: "manager@alpha.test", want: "Your rate change request is sent to", setup: func(t *testing.T, f *accountsFixture) (string, url.Values) {
		id := fxPackageOfA(t, f)["id"]
		pA := &auth.Principal{UserID: f.managerA.ID, Name: f.managerA.Name, Role: auth.RoleProvider, OrgID: f.orgA.ID}
		if _, err := f.ts.Packages.Accept(t.Context(), pA, id, 1); err != nil {
			t.Fatal(err)
		}
		return "/packages/" + id + "/rate-request", url.Values{"raterequest_rate": {"25"}, "raterequest_from": {"6 4 2027"}, "raterequest_evidence": {"Wages rose"}}
	}, file: pdfForFlash},
	"handleStaffPackagesImportPost": {as: "admin@council.test", want: "Care packages imported from 1 row: 1 placed", setup: func(t *testing.T, f *accountsFixture) (string, url.Values) {
		fxContract(t, f)
		return "/staff/packages/import", nil
	}, file: []byte("package_ref,client_ref,client_name,date_of_birth,supplier_ref,contract_ref,service_type,unit,units_per_week,rate,start_date,end_date\n" +
		"FLASH-IMP,CL-I,Ivy Import,1939-02-03,SUPA,AUTHZ-SUPA,home care,hour,7,20,2026-01-05,\n")},
	"handleActualsCyclePost": {as: "manager@alpha.test", want: "You confirmed the care delivered for 1 package", setup: func(t *testing.T, f *accountsFixture) (string, url.Values) {
		c, _, start := fxActivePackage(t, f, "FLASH-CONF")
		return "/actuals/" + c + "/" + start, url.Values{"action": {"confirm"}}
	}},
	"handleActualsUploadPost": {as: "manager@alpha.test", want: "The file confirmed 1 cycle", setup: func(t *testing.T, f *accountsFixture) (string, url.Values) {
		fxActivePackage(t, f, "FLASH-UP")
		return "/actuals/upload", nil
	}, file: []byte("package_ref,period_start,units,reason\nFLASH-UP-1," + flashCycleStart + ",28,\n")},
	"handleStaffBillingPost": {as: "admin@council.test", want: "Billing settings saved: weekly, starting on a Thursday", setup: func(t *testing.T, f *accountsFixture) (string, url.Values) {
		c := fxContract(t, f)
		return "/staff/packages/billing/" + c.ID, url.Values{"version": {"0"}, "frequency": {"weekly"}, "weekday": {"4"}, "tolerance_percent": {"10"}, "tolerance_units": {"2"}, "confirm_days": {"5"}}
	}},
	"handleStaffActualsDecide": {as: "admin@council.test", want: "Your decision is recorded", setup: func(t *testing.T, f *accountsFixture) (string, url.Values) {
		c, pkg, start := fxActivePackage(t, f, "FLASH-DEC")
		confirmFixture(t, f, c, start, []packages.Entry{{Ref: "FLASH-DEC-1", Units: "10", Reason: "hospital"}})
		return "/staff/actuals/" + c + "/" + start + "/decide", url.Values{"package": {pkg}, "decision": {"accept"}}
	}},
	"handleStaffActualsCycleGenerate": {as: "admin@council.test", want: "is generated and submitted", setup: func(t *testing.T, f *accountsFixture) (string, url.Values) {
		c, _, start := fxActivePackage(t, f, "FLASH-GEN")
		confirmFixture(t, f, c, start, nil)
		return "/staff/actuals/" + c + "/" + start + "/generate", nil
	}},
	"handleStaffActualsCorrect": {as: "admin@council.test", want: "credit note", setup: func(t *testing.T, f *accountsFixture) (string, url.Values) {
		c, pkg, start := fxActivePackage(t, f, "FLASH-COR")
		confirmFixture(t, f, c, start, nil)
		if _, err := f.ts.Packages.Generate(t.Context(), &auth.Principal{UserID: "staff", Name: "Staff", Role: auth.RoleBrokerage}, c, start); err != nil {
			t.Fatal(err)
		}
		return "/staff/actuals/" + c + "/" + start + "/correct", url.Values{"corrections": {"0"}, "correct_package": {pkg}, "correct_units": {"20"}, "correct_note": {"Fewer hours"}}
	}},
	// contacts, queries, notifications
	"handleContactsTeamSave": {as: "admin@council.test", want: "details saved", setup: func(t *testing.T, f *accountsFixture) (string, url.Values) {
		return "/contacts/teams/brokerage-payments/edit", url.Values{"purpose": {"Pays invoices"}, "hours": {"9 to 5"}, "email": {"pay@council.example"}, "phone": {"020 7946 0999"}}
	}},
	"handleSafeguardingSave": {as: "admin@council.test", want: "Safeguarding numbers saved", setup: func(t *testing.T, f *accountsFixture) (string, url.Values) {
		return "/contacts/safeguarding", url.Values{"inHoursPhone": {"020 7946 0999"}, "inHoursTimes": {"Monday to Friday, 9am to 5pm"}, "outOfHoursPhone": {"020 7946 0998"}}
	}},
	"handleContactCreate": {as: "admin@council.test", want: "Parveen Akhtar added to", setup: func(t *testing.T, f *accountsFixture) (string, url.Values) {
		return "/contacts/teams/brokerage-payments/people/new", url.Values{"name": {"Parveen Akhtar"}, "role": {"Officer"}, "email": {"parveen@council.example"}}
	}},
	"handleContactUpdate": {as: "admin@council.test", want: "Contact details saved", setup: func(t *testing.T, f *accountsFixture) (string, url.Values) {
		return "/contacts/people/" + fxCouncilContact(t, f)["id"] + "/edit", url.Values{"name": {"Dev Patel"}, "role": {"Contracts lead"}, "email": {"dev.patel@council.example"}}
	}},
	"handleContactChecked": {as: "admin@council.test", want: "marked as checked today", setup: func(t *testing.T, f *accountsFixture) (string, url.Values) {
		return "/contacts/people/" + fxCouncilContact(t, f)["id"] + "/checked", nil
	}},
	"handleContactRemove": {as: "admin@council.test", want: "removed from", setup: func(t *testing.T, f *accountsFixture) (string, url.Values) {
		return "/contacts/people/" + fxCouncilContact(t, f)["id"] + "/remove", url.Values{"confirm": {"yes"}}
	}},
	"handleQueryCreate": {as: "manager@alpha.test", want: "sent to", file: pdfForFlash, setup: func(t *testing.T, f *accountsFixture) (string, url.Values) {
		return "/queries/new", url.Values{"topic": {"invoice-not-paid"}, "subject": {"Invoice unpaid"}, "message": {"It was due last week."}}
	}},
	"queryAction": {as: "admin@council.test", want: "Query marked as resolved", setup: func(t *testing.T, f *accountsFixture) (string, url.Values) {
		return "/queries/" + fxQueryOfA(t, f)["id"] + "/resolve", url.Values{"resolveNote": {"Paid on Friday"}, "version": {"1"}}
	}},
	"handleNotificationsReadAll": {as: "manager@alpha.test", want: "All notifications marked as read", setup: func(t *testing.T, f *accountsFixture) (string, url.Values) {
		fxNotificationOfA(t, f)
		return "/notifications/read-all", nil
	}},
	"handleQueryTargetsSave": {as: "admin@council.test", want: "Service levels saved", setup: func(t *testing.T, f *accountsFixture) (string, url.Values) {
		return "/admin/query-settings", url.Values{"firstResponseDays": {"3"}, "resolutionDays": {"15"}}
	}},
	"handleHolidayAdd": {as: "admin@council.test", want: "Bank holiday added", setup: func(t *testing.T, f *accountsFixture) (string, url.Values) {
		return "/admin/bank-holidays", url.Values{"date": {"2028-12-25"}, "name": {"Christmas Day"}}
	}},
	"handleHolidayRemove": {as: "admin@council.test", want: "Bank holiday removed: Boxing Day on 26 December 2028", setup: func(t *testing.T, f *accountsFixture) (string, url.Values) {
		if err := f.ts.Workdays.AddHoliday(t.Context(), "2028-12-26", "Boxing Day"); err != nil {
			t.Fatal(err)
		}
		return "/admin/bank-holidays/remove", url.Values{"date": {"2028-12-26"}, "confirm": {"yes"}}
	}},
	// statements
	"handleCommissionStatementCreate": {as: "admin@council.test", want: "The draft has been started", setup: func(t *testing.T, f *accountsFixture) (string, url.Values) {
		return "/commission/statements/new", url.Values{"title": {"Market position statement"}, "summary": {"What we need."}}
	}},
	"handleCommissionStatementDetailsSave": {as: "admin@council.test", want: "The title and summary have been saved", setup: func(t *testing.T, f *accountsFixture) (string, url.Values) {
		return "/commission/statements/" + fxStatement(t, f)["id"] + "/details", url.Values{"title": {"Renamed statement"}, "summary": {"What we need."}}
	}},
	"handleCommissionSectionSave": {as: "admin@council.test", want: "has been saved in the draft", setup: func(t *testing.T, f *accountsFixture) (string, url.Values) {
		return "/commission/statements/" + fxStatement(t, f)["id"] + "/sections/home-care", url.Values{"text": {"Demand is rising."}}
	}},
	"handleCommissionStatementPublish": {as: "admin@council.test", want: "Version 1 has been published", setup: func(t *testing.T, f *accountsFixture) (string, url.Values) {
		return "/commission/statements/" + fxStatement(t, f)["id"] + "/publish", url.Values{"changeNote": {"First version"}}
	}},
	"handleStatementFeedbackCreate": {as: "manager@alpha.test", want: "your feedback has been sent", setup: func(t *testing.T, f *accountsFixture) (string, url.Values) {
		id := fxStatement(t, f)["id"]
		if _, err := f.ts.Statements.Publish(t.Context(), id, "First", &auth.Principal{Role: auth.RoleCommissioner, Name: "C"}, time.Now()); err != nil {
			t.Fatal(err)
		}
		return "/statements/" + id + "/versions/1/feedback", url.Values{"area": {"home-care"}, "message": {"Travel time is not paid"}}
	}},
	"handleCommissionFeedbackAnswer": {as: "admin@council.test", want: "Your answer has been sent to Alpha Care Ltd", setup: func(t *testing.T, f *accountsFixture) (string, url.Values) {
		return "/commission/statements/feedback/" + fxFeedbackOfA(t, f)["id"], url.Values{"answer": {"Zoned contracts pay travel"}}
	}},
	// forums
	"handleEventFeedCreate": {as: "manager@alpha.test", want: "already has a calendar feed address", setup: func(t *testing.T, f *accountsFixture) (string, url.Values) {
		if _, err := f.ts.Forums.CreateFeedToken(t.Context(), f.pA, time.Now()); err != nil {
			t.Fatal(err)
		}
		return "/events/feed", nil
	}},
	"handleEventBook": {as: "manager@alpha.test", want: "Your organisation is booked", setup: func(t *testing.T, f *accountsFixture) (string, url.Values) {
		e, err := f.ts.Forums.Create(t.Context(), testEventInput(time.Now(), "5", nil), &auth.Principal{Role: auth.RoleCommissioner, Name: "C"}, time.Now())
		if err != nil {
			t.Fatal(err)
		}
		return "/events/" + e.ID + "/book", url.Values{"places": {"2"}}
	}},
	"handleEventComment": {as: "manager@alpha.test", want: "Your comment has been added", setup: func(t *testing.T, f *accountsFixture) (string, url.Values) {
		afterTheEvent(f)
		id := fxEventOfA(t, f)["id"]
		if err := f.ts.Forums.RecordAttendance(t.Context(), auth.System("test"), id, map[string]string{f.orgA.ID: "1"}, f.ts.cfg.Now()); err != nil {
			t.Fatal(err)
		}
		return "/events/" + id + "/comments", url.Values{"message": {"See you there"}}
	}},
	"handleEventCancel": {as: "manager@alpha.test", want: "Your booking has been cancelled", setup: func(t *testing.T, f *accountsFixture) (string, url.Values) {
		return "/events/" + fxEventOfA(t, f)["id"] + "/cancel", url.Values{"confirm": {"yes"}}
	}},
	"handleCommissionEventCreate": {as: "admin@council.test", want: "has been announced to providers", setup: func(t *testing.T, f *accountsFixture) (string, url.Values) {
		return "/commission/events/new", eventForm(testEventInput(time.Now(), "5", nil))
	}},
	"handleCommissionEventUpdate": {as: "admin@council.test", want: "have been saved", setup: func(t *testing.T, f *accountsFixture) (string, url.Values) {
		return "/commission/events/" + fxEventOfA(t, f)["id"] + "/edit", eventForm(testEventInput(time.Now(), "6", nil))
	}},
	"handleCommissionEventAttendance": {as: "admin@council.test", want: "Attendance has been recorded", setup: func(t *testing.T, f *accountsFixture) (string, url.Values) {
		afterTheEvent(f)
		return "/commission/events/" + fxEventOfA(t, f)["id"] + "/attendance", url.Values{"attended-" + f.orgA.ID: {"1"}}
	}},
	"handleCommissionEventNotes": {as: "admin@council.test", want: "The notes and actions have been published", setup: func(t *testing.T, f *accountsFixture) (string, url.Values) {
		afterTheEvent(f)
		return "/commission/events/" + fxEventOfA(t, f)["id"] + "/notes", url.Values{"notes": {"We met."}, "actions": {"Send the slides"}}
	}},
	"handleCommissionEventCancel": {as: "admin@council.test", want: "has been cancelled", setup: func(t *testing.T, f *accountsFixture) (string, url.Values) {
		return "/commission/events/" + fxEventOfA(t, f)["id"] + "/cancel", url.Values{"confirm": {"yes"}, "reason": {"The venue is closed"}}
	}},
	// self-assessment
	"handleAssessmentStartPost": {as: "admin@council.test", want: "Round Spring review started", setup: func(t *testing.T, f *accountsFixture) (string, url.Values) {
		return "/assessment/rounds/new", url.Values{"name": {"Spring review"}, "date": {"2026-04-01"}, "from": {fxAssessment(t, f)["id"]}}
	}},
	"handleAssessmentDetailsPost": {as: "admin@council.test", want: "The round's details are saved", setup: func(t *testing.T, f *accountsFixture) (string, url.Values) {
		return "/assessment/rounds/" + fxAssessment(t, f)["id"] + "/details", url.Values{"name": {"Renamed round"}, "date": {"2026-03-11"}, "participants": {"Commissioning"}}
	}},
	"handleAssessmentAgreePost": {as: "admin@council.test", want: "is agreed", setup: func(t *testing.T, f *accountsFixture) (string, url.Values) {
		return "/assessment/rounds/" + fxAssessment(t, f)["id"] + "/agree", url.Values{"confirm": {"yes"}}
	}},
	"handleAssessmentAspectPost": {as: "admin@council.test", want: "The score for", setup: func(t *testing.T, f *accountsFixture) (string, url.Values) {
		return "/assessment/rounds/" + fxAssessment(t, f)["id"] + "/aspects/7", url.Values{"aspect-score": {"35"}}
	}},
	"handleAssessmentQuestionPost": {as: "admin@council.test", want: "Question 7.2 is scored", setup: func(t *testing.T, f *accountsFixture) (string, url.Values) {
		return "/assessment/rounds/" + fxAssessment(t, f)["id"] + "/aspects/7/questions/2", url.Values{"choice": {"own"}, "score": {"40"}, "reason": {"Backlog remains"}, "observation": {"Faster payment runs"}}
	}},
	"handleAssessmentFactorPost": {as: "admin@council.test", want: "The factor is saved", setup: func(t *testing.T, f *accountsFixture) (string, url.Values) {
		return "/assessment/rounds/" + fxAssessment(t, f)["id"] + "/aspects/7/factors/1", url.Values{"effect": {"enabling"}, "factor-observation": {"New framework agreed"}, "factor-score": {"55"}}
	}},
	"handleAssessmentActionNewPost": {as: "admin@council.test", want: "The action is added to the plan", setup: func(t *testing.T, f *accountsFixture) (string, url.Values) {
		fxAssessment(t, f)
		return "/assessment/plan/new", url.Values{"question": {"7.2"}, "text": {"Weekly payment runs"}, "owner": {"Brokerage Payments"}, "due": {"2026-06-30"}, "status": {"in-progress"}}
	}},
	"handleAssessmentActionPost": {as: "admin@council.test", want: "The action is saved", setup: func(t *testing.T, f *accountsFixture) (string, url.Values) {
		return "/assessment/plan/" + fxAssessment(t, f)["aid"], url.Values{"question": {"7.2"}, "text": {"Act now"}, "owner": {"Team"}, "due": {"2026-06-30"}, "status": {"in-progress"}}
	}},
	"handleAssessmentIndicatorPost": {as: "admin@council.test", want: "links and thresholds saved", setup: func(t *testing.T, f *accountsFixture) (string, url.Values) {
		return "/assessment/indicators/" + fxAssessment(t, f)["ind"], url.Values{"questions": {"7.2 3.5"}, "rules": {">= 85 : 70\notherwise : 20"}, "reasoning": {"Local target"}}
	}},
}

// afterTheEvent moves the portal's clock past fxEventOfA's event (a
// fortnight ahead), for what is done once it has happened.
func afterTheEvent(f *accountsFixture) {
	f.ts.cfg.Now = func() time.Time { return time.Now().AddDate(0, 0, 20) }
}

// flashNotInTable are the handlers that set a message but are checked by
// another test, with where.
var flashNotInTable = map[string]string{
	"handleReportBaseRatePost":      "TestFlashOnReportActions",
	"handleReportRatesReviewedPost": "TestFlashOnReportActions",
	"handleReportInterestPost":      "TestFlashOnReportActions",
	"handleReportSettingsPost":      "TestFlashOnReportActions",
}

// TestFlashOnReportActions is the flash check for the reporting actions,
// which need the payment performance service (newPerfServer).
func TestFlashOnReportActions(t *testing.T) {
	f := newPerfServer(t)
	if _, err := f.ts.Auth.CreateUser(t.Context(), auth.CommandLine, auth.UserInput{Email: "admin@council.test", Name: "Ada Admin", Role: auth.RoleAdmin}, testPassword); err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(f.ts.Handler)
	t.Cleanup(srv.Close)
	jar, _ := cookiejar.New(nil)
	b := &browser{t: t, base: srv.URL, c: &http.Client{Jar: jar, CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}}
	if resp := b.signIn("admin@council.test", testPassword); resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("signing in: %d", resp.StatusCode)
	}
	b.get("/home")
	for _, c := range []struct {
		path string
		form url.Values
		want string
	}{
		{"/staff/invoices/" + f.invoiceB2 + "/interest", url.Values{"date": {"2025-10-14"}, "amount": {"12.34"}, "reference": {"INT-1"}}, "Interest payment recorded"},
		{"/admin/reporting-settings", url.Values{"authority_name": {"LB Example"}, "authority_address": {"Town Hall"}, "approver_name": {"Alex Director"}, "approver_job_title": {"Director of Finance"}}, "Reporting settings saved"},
		{"/admin/reporting-settings/base-rates", url.Values{"effective": {"2025-12-18"}, "rate": {"3.75"}}, "Bank Rate change added"},
		{"/admin/reporting-settings/rates-reviewed", url.Values{"reviewed_through": {"2025-10-15"}}, "Bank Rate table check recorded"},
	} {
		resp, body := b.post(c.path, c.form)
		if resp.StatusCode != http.StatusSeeOther {
			t.Fatalf("POST %s: %d\n%s", c.path, resp.StatusCode, body)
		}
		_, body = b.get(resp.Header.Get("Location"))
		htmlcheck.Parse(t, body).Has(".govuk-notification-banner--success .govuk-notification-banner__heading", c.want)
	}
}

// TestFlashMessageShowsOnTheNextPage does each action as a signed-in
// person, follows the redirect with the session cookie and checks the
// success banner says the message, once.
func TestFlashMessageShowsOnTheNextPage(t *testing.T) {
	names := make([]string, 0, len(flashTable))
	for name := range flashTable {
		names = append(names, name)
	}
	sort.Strings(names)
	for _, name := range names {
		c := flashTable[name]
		t.Run(name, func(t *testing.T) {
			f := newAccountsFixture(t)
			if _, err := f.ts.Auth.CreateUser(t.Context(), auth.CommandLine, auth.UserInput{Email: "flash-password@alpha.test", Name: "Pat Password", Role: auth.RoleProvider, OrgID: f.orgA.ID}, testPassword); err != nil {
				t.Fatal(err)
			}
			b := f.browser(t)
			if resp := b.signIn(c.as, testPassword); resp.StatusCode != http.StatusSeeOther {
				t.Fatalf("signing in as %s: %d", c.as, resp.StatusCode)
			}
			b.get("/home") // shows (and clears) the sign-in's own message, if any
			path, form := c.setup(t, f)
			var resp *http.Response
			var body string
			if c.file != nil {
				resp, body = b.postMultipart(path, form, "file", "flash.pdf", c.file)
			} else {
				resp, body = b.post(path, form)
			}
			if resp.StatusCode != http.StatusSeeOther {
				t.Fatalf("POST %s: %d, want 303\n%s", path, resp.StatusCode, body)
			}
			next := resp.Header.Get("Location")
			resp, body = b.get(next)
			if resp.StatusCode != http.StatusOK {
				t.Fatalf("GET %s: %d", next, resp.StatusCode)
			}
			doc := htmlcheck.Parse(t, body)
			doc.Has(".govuk-notification-banner--success .govuk-notification-banner__heading", c.want)
			// Shown once: the same page again has no banner.
			_, body = b.get(next)
			htmlcheck.Parse(t, body).HasNot(".govuk-notification-banner--success")
		})
	}
}

// TestFlashSurvivesARequestThatIsNotAPage: a download between the action
// and the next page does not use up the message.
func TestFlashSurvivesARequestThatIsNotAPage(t *testing.T) {
	f := newAccountsFixture(t)
	b := f.browser(t)
	b.signIn("manager@alpha.test", testPassword)
	b.get("/home")
	// Asking for a calendar feed address when there is one already sets a
	// message and redirects.
	if _, err := f.ts.Forums.CreateFeedToken(t.Context(), f.pA, time.Now()); err != nil {
		t.Fatal(err)
	}
	resp, _ := b.post("/events/feed", nil)
	if resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("feed: %d", resp.StatusCode)
	}
	if resp, _ := b.get("/invoices/" + fxInvoiceOfA(t, f)["id"] + "/file"); resp.StatusCode != http.StatusOK || resp.Header.Get("Content-Type") != "application/pdf" {
		t.Fatalf("invoice file: %d %s", resp.StatusCode, resp.Header.Get("Content-Type"))
	}
	_, body := b.get(resp.Header.Get("Location"))
	htmlcheck.Parse(t, body).Has(".govuk-notification-banner--success", "already has a calendar feed address")
}

// TestEveryFlashActionIsInTheTable finds every handler that calls
// s.setFlash and requires it in flashTable (or flashNotInTable, with the
// test that checks it).
func TestEveryFlashActionIsInTheTable(t *testing.T) {
	files, err := filepath.Glob("*.go")
	if err != nil {
		t.Fatal(err)
	}
	fset := token.NewFileSet()
	var missing []string
	for _, file := range files {
		if strings.HasSuffix(file, "_test.go") {
			continue
		}
		f, err := parser.ParseFile(fset, file, nil, 0)
		if err != nil {
			t.Fatal(err)
		}
		for _, d := range f.Decls {
			fn, ok := d.(*ast.FuncDecl)
			if !ok || fn.Body == nil || fn.Name.Name == "setFlash" {
				continue
			}
			sets := false
			ast.Inspect(fn.Body, func(n ast.Node) bool {
				if sel, ok := n.(*ast.SelectorExpr); ok && sel.Sel.Name == "setFlash" {
					sets = true
				}
				return !sets
			})
			if !sets {
				continue
			}
			if _, ok := flashTable[fn.Name.Name]; ok {
				continue
			}
			if _, ok := flashNotInTable[fn.Name.Name]; ok {
				continue
			}
			missing = append(missing, fmt.Sprintf("%s (%s)", fn.Name.Name, file))
		}
	}
	sort.Strings(missing)
	if len(missing) > 0 {
		t.Errorf("these handlers set a flash message but are not in flashTable (flash_test.go):\n\t%s", strings.Join(missing, "\n\t"))
	}
}

// postMultipart posts a form with one file, as a browser does.
func (b *browser) postMultipart(path string, form url.Values, field, name string, data []byte) (*http.Response, string) {
	b.t.Helper()
	var buf bytes.Buffer
	mw := multipart.NewWriter(&buf)
	for k, vs := range form {
		for _, v := range vs {
			_ = mw.WriteField(k, v)
		}
	}
	fw, err := mw.CreateFormFile(field, name)
	if err != nil {
		b.t.Fatal(err)
	}
	_, _ = fw.Write(data)
	_ = mw.Close()
	resp, err := b.c.Post(b.base+path, mw.FormDataContentType(), &buf)
	if err != nil {
		b.t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	return resp, string(body)
}
