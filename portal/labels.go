package portal

import (
	"fmt"

	"careportal/auth"
	"careportal/payments"
	"careportal/payments/packages"
	"careportal/payments/remittance"
	"careportal/portal/assessment"
	"careportal/portal/forums"
	"careportal/portal/links"
	"careportal/portal/mail"
	"careportal/portal/notify"
	"careportal/portal/queries"
	"careportal/portal/statements"
)

// The words people read for the domains' typed values. Domains return
// values; pages, emails shown in the portal and the command line name
// them here, one table a type, so a wording change is one line.
var (
	roleWords = map[auth.Role]string{
		auth.RoleProvider:     "Care provider",
		auth.RoleBrokerage:    "Brokerage and payments staff",
		auth.RoleCommissioner: "Commissioner",
		auth.RoleAdmin:        "Administrator",
	}
	invoiceStatusWords = map[payments.Status]string{
		payments.StatusSubmitted: "Submitted",
		payments.StatusQueried:   "Queried",
		payments.StatusApproved:  "Approved",
		payments.StatusScheduled: "Payment scheduled",
		payments.StatusPaid:      "Paid",
		payments.StatusRejected:  "Rejected",
		payments.StatusCancelled: "Cancelled",
	}
	queueWords = map[payments.Queue]string{
		payments.QueueNew:       "New",
		payments.QueueQueried:   "Queried",
		payments.QueueApproved:  "Approved, awaiting payment",
		payments.QueueScheduled: "Scheduled for payment",
		payments.QueueDueSoon:   fmt.Sprintf("Due within %d days", payments.DueSoonDays),
		payments.QueueOverdue:   "Overdue",
	}
	serviceTypeWords = map[payments.ServiceType]string{
		"home-care":         "Home care",
		"residential":       "Residential care",
		"nursing":           "Nursing care",
		"supported-living":  "Supported living",
		"day-opportunities": "Day opportunities",
		"extra-care":        "Extra care",
		"other":             "Other",
	}
	contractStatusWords = map[payments.ContractStatus]string{
		payments.ContractActive:    "Active",
		payments.ContractEnded:     "Ended",
		payments.ContractSuspended: "Suspended",
	}
	procuredWords = map[payments.ProcuredUnder]string{
		payments.ProcuredPCR2015: "Public Contracts Regulations 2015",
		payments.ProcuredPA2023:  "Procurement Act 2023",
	}
	frequencyWords = map[packages.Frequency]string{
		packages.Weekly:     "Weekly",
		packages.FourWeekly: "Every four weeks",
	}
	packageStatusWords = map[packages.Status]string{
		packages.Proposed:  "Proposed",
		packages.Active:    "Active",
		packages.Declined:  "Declined",
		packages.Suspended: "Suspended",
		packages.Ended:     "Ended",
	}
	unitWords = map[packages.Unit]string{ // plural: they follow a number
		packages.Hour:  "Hours",
		packages.Visit: "Visits",
		packages.Night: "Nights",
		packages.Week:  "Weeks",
		packages.Day:   "Days",
	}
	reasonWords = map[packages.Reason]string{
		packages.ReasonHospital:  "Person in hospital",
		packages.ReasonCancelled: "Cancelled by the person",
		packages.ReasonStaffing:  "We could not staff it",
		packages.ReasonDied:      "The person died",
		packages.ReasonOther:     "Other",
	}
	lineStateWords = map[packages.LineState]string{
		packages.LinePlanned:  "Not confirmed",
		packages.LineDraft:    "Saved, not confirmed",
		packages.LineAccepted: "Accepted",
		packages.LineWaiting:  "Waiting for brokerage",
		packages.LineAdjusted: "Adjusted by brokerage",
	}
	outcomeWords = map[remittance.Outcome]string{
		remittance.Matched:        "Matched: to be paid",
		remittance.Paid:           "Paid by this file",
		remittance.Unknown:        "Unknown invoices",
		remittance.Difference:     "Amount differences",
		remittance.AlreadyPaid:    "Already paid",
		remittance.NotPayable:     "Not applied",
		remittance.PaidUnapproved: "Paid without approval in the portal",
	}
	// decisionWords: a match also names the invoice (see label).
	decisionWords = map[string]string{
		remittance.ResolveMatch:       "Matched by hand to invoice",
		remittance.ResolveAccept:      "Accepted as paid",
		remittance.ResolveAcknowledge: "Acknowledged",
		remittance.ResolveNotOurs:     "Not ours",
	}
	notifyKindWords = map[notify.Kind]string{
		notify.KindEvent:     "Event",
		notify.KindStatement: "Market position statement",
		notify.KindQuery:     "Query",
		notify.KindForum:     "Forum",
		notify.KindGeneral:   "Notice",
		notify.KindInvoice:   "Invoice",
	}
	roundStatusWords = map[assessment.Status]string{
		assessment.StatusDraft:  "Draft",
		assessment.StatusAgreed: "Agreed",
	}
	directionWords = map[assessment.Direction]string{ // pages never rely on colour
		assessment.Up:      "Up",
		assessment.Down:    "Down",
		assessment.Same:    "No change",
		assessment.NoScore: "Cannot compare",
	}
	formatWords = map[forums.Format]string{
		forums.InPerson: "In person",
		forums.Online:   "Online",
	}
	bookingWords = map[forums.Status]string{
		forums.Booked:    "Booked",
		forums.Waiting:   "On the waiting list",
		forums.Cancelled: "Cancelled",
	}
	mailKindWords = map[mail.Kind]string{
		mail.KindInvoice:    "Invoice status changes",
		mail.KindQuery:      "Answers to your queries",
		mail.KindForum:      "Forums and events",
		mail.KindStatement:  "Market position statements",
		mail.KindStaffQueue: "Work waiting for your team",
		mail.KindAccount:    "Your account",
		mail.KindDigest:     "Daily digest",
		mail.KindOther:      "Other notices",
	}
	choiceWords = map[mail.Choice]string{
		mail.ChoiceEmail:  "Email me straight away",
		mail.ChoiceDigest: "Email me once a day",
		mail.ChoicePortal: "Only show it in the portal",
	}
	outboxWords = map[mail.Status]string{
		mail.StatusQueued:  "Queued",
		mail.StatusSending: "Sending",
		mail.StatusSent:    "Sent",
		mail.StatusFailed:  "Failed",
		mail.StatusNotSent: "Not sent",
	}
	queryStatusWords = map[queries.Status]string{
		queries.StatusOpen:             "Open",
		queries.StatusAwaitingCouncil:  "Awaiting council",
		queries.StatusAwaitingProvider: "Awaiting provider",
		queries.StatusResolved:         "Resolved",
	}
)

// label is the words for a domain value, for pages ({{label .Status}}).
// A value with no words (a stored value from a newer version, say) shows
// as itself rather than as nothing.
func label(v any) string {
	if w, ok := words(v); ok {
		return w
	}
	switch v.(type) {
	case notify.Kind:
		return "Notice"
	case mail.Kind:
		return "Other notices"
	case assessment.Status:
		return "Draft"
	case assessment.Direction:
		return "Cannot compare"
	case statements.Area:
		return ""
	}
	return fmt.Sprint(v)
}

// Label is label for the command-line tools in cmd.
func Label(v any) string { return label(v) }

// words finds v's words; ok is false when v's type or value has none.
func words(v any) (string, bool) {
	switch v := v.(type) {
	case auth.Role:
		return look(roleWords, v)
	case payments.Status:
		return look(invoiceStatusWords, v)
	case payments.Queue:
		return look(queueWords, v)
	case payments.ServiceType:
		return look(serviceTypeWords, v)
	case payments.ContractStatus:
		return look(contractStatusWords, v)
	case payments.ProcuredUnder:
		return look(procuredWords, v)
	case packages.Frequency:
		return look(frequencyWords, v)
	case packages.Status:
		return look(packageStatusWords, v)
	case packages.Unit:
		return look(unitWords, v)
	case packages.Reason:
		return look(reasonWords, v)
	case packages.LineState:
		return look(lineStateWords, v)
	case remittance.Outcome:
		return look(outcomeWords, v)
	case remittance.Decision:
		w, ok := look(decisionWords, v.Kind)
		if ok && v.Kind == remittance.ResolveMatch {
			w += " " + v.Number
		}
		return w, ok
	case *remittance.Decision:
		if v == nil {
			return "", false
		}
		return words(*v)
	case notify.Kind:
		return look(notifyKindWords, v)
	case assessment.Status:
		return look(roundStatusWords, v)
	case assessment.Direction:
		return look(directionWords, v)
	case forums.Format:
		return look(formatWords, v)
	case forums.Status:
		return look(bookingWords, v)
	case mail.Kind:
		return look(mailKindWords, v)
	case mail.Choice:
		return look(choiceWords, v)
	case mail.Status:
		return look(outboxWords, v)
	case queries.Status:
		return look(queryStatusWords, v)
	case statements.Area:
		// A statement's section names are part of the statement the
		// domain writes (its diffs and messages), so they stay its table.
		for _, a := range statements.Areas {
			if a.Area == v {
				return a.Label, true
			}
		}
	case statements.TableKind:
		for _, k := range statements.TableKinds {
			if k.Kind == v {
				return k.Label, true
			}
		}
	}
	return "", false
}

func look[K comparable](table map[K]string, k K) (string, bool) {
	w, ok := table[k]
	return w, ok && w != ""
}

// refURL is the page a notification refers to ("" for none): the portal's
// addresses, built on the HTTP side (package links, which the email wiring
// shares).
func refURL(r notify.Ref) string { return links.Notice(r) }
