package auth

// Action is something a role may or may not do. Object-level checks (is
// this invoice yours?) are separate: see Principal.CanSeeOrg.
type Action string

// The policy: which roles may take each action. It is the one place that
// says so; handlers ask Can and never compare roles themselves. Features add
// their actions here, grouped by feature.
var policy = map[Action][]Role{
	// contracts, invoices (payments core)
	ActionInvoiceSubmit:     {RoleProvider}, // the provider's own invoice pages: list, submit, answer a query, cancel
	ActionInvoicesStaffRead: {RoleBrokerage, RoleCommissioner, RoleAdmin},
	ActionInvoiceWork:       {RoleBrokerage, RoleAdmin},                                 // approve, query, reject, schedule, record payment
	ActionInvoiceFile:       {RoleProvider, RoleBrokerage, RoleCommissioner, RoleAdmin}, // providers: their organisation's
	ActionContractsRead:     {RoleProvider, RoleBrokerage, RoleCommissioner, RoleAdmin}, // providers: their organisation's
	ActionContractsManage:   {RoleBrokerage, RoleAdmin},
	ActionRemittanceAdvice:  {RoleProvider, RoleBrokerage, RoleCommissioner, RoleAdmin}, // providers: their organisation's

	// remittance and imports (payment runs; brokerage only in the
	// Brokerage Payments team: see teamOnly)
	ActionRemittance:      {RoleBrokerage, RoleAdmin},
	ActionContractsImport: {RoleBrokerage, RoleAdmin},

	// accounts
	ActionAdminUsers:    {RoleAdmin},
	ActionAdminOrgs:     {RoleAdmin},
	ActionReadAudit:     {RoleAdmin},
	ActionManageOrgTeam: {RoleProvider}, // and Principal.Manager; see Can
	ActionManageTokens:  {RoleProvider}, // and Principal.Manager; see Can

	// payment performance and reports
	ActionViewPerformance:   {RoleProvider, RoleBrokerage, RoleCommissioner, RoleAdmin}, // providers: their own figures
	ActionViewReports:       {RoleBrokerage, RoleCommissioner, RoleAdmin},
	ActionRecordInterest:    {RoleBrokerage, RoleAdmin},
	ActionReportingSettings: {RoleAdmin},

	// self-assessment: council staff read it (brokerage read-only);
	// commissioners and admins score, plan and agree; admins set the evidence
	// links and thresholds.
	ActionAssessmentView:     {RoleBrokerage, RoleCommissioner, RoleAdmin},
	ActionAssessmentEdit:     {RoleCommissioner, RoleAdmin},
	ActionAssessmentAgree:    {RoleCommissioner, RoleAdmin},
	ActionAssessmentSettings: {RoleAdmin},

	// engagement: contacts, queries, notifications
	ActionEditContacts:      {RoleAdmin, RoleCommissioner}, // every team
	ActionEditTeamContacts:  {RoleBrokerage},               // only teams in Principal.Teams; the handler checks InTeam
	ActionContactSettings:   {RoleAdmin},                   // the safeguarding numbers on every contacts page
	ActionRaiseQuery:        {RoleProvider},
	ActionReadQueries:       {RoleProvider, RoleBrokerage, RoleCommissioner, RoleAdmin}, // providers: their organisation's
	ActionWorkQueries:       {RoleBrokerage, RoleCommissioner, RoleAdmin},
	ActionQuerySettings:     {RoleAdmin},
	ActionReadNotifications: {RoleProvider},

	// engagement: market position statements and forums
	ActionReadStatements:    {RoleProvider, RoleBrokerage, RoleCommissioner, RoleAdmin},
	ActionStatementFeedback: {RoleProvider},
	ActionEditStatements:    {RoleCommissioner, RoleAdmin},
	ActionReadEvents:        {RoleProvider, RoleBrokerage, RoleCommissioner, RoleAdmin},
	ActionBookEvents:        {RoleProvider},
	ActionManageEvents:      {RoleCommissioner, RoleAdmin},

	// care packages and actuals: providers their own packages and cycles;
	// brokerage staff (and administrators) place packages and decide on
	// actuals. Personal details are not for commissioners (figures only).
	ActionPackagesProvider: {RoleProvider},
	ActionPackagesStaff:    {RoleBrokerage, RoleAdmin},
}

// care packages and actuals
const (
	ActionPackagesProvider Action = "packages.provider"
	ActionPackagesStaff    Action = "packages.staff"
)

// contracts, invoices (payments core)
const (
	ActionInvoiceSubmit     Action = "invoices.submit"
	ActionInvoicesStaffRead Action = "invoices.staff-read"
	ActionInvoiceWork       Action = "invoices.work"
	ActionInvoiceFile       Action = "invoices.file"
	ActionRemittanceAdvice  Action = "invoices.remittance-advice"
	ActionContractsRead     Action = "contracts.read"
	ActionContractsManage   Action = "contracts.manage"
)

const (
	ActionAdminUsers    Action = "admin.users"
	ActionAdminOrgs     Action = "admin.orgs"
	ActionReadAudit     Action = "audit.read"
	ActionManageOrgTeam Action = "org.invite"
	ActionManageTokens  Action = "org.tokens"
)

// engagement: contacts, queries, notifications
const (
	ActionEditContacts      Action = "contacts.edit"
	ActionEditTeamContacts  Action = "contacts.edit-team"
	ActionContactSettings   Action = "contacts.settings"
	ActionRaiseQuery        Action = "queries.raise"
	ActionReadQueries       Action = "queries.read"
	ActionWorkQueries       Action = "queries.work"
	ActionQuerySettings     Action = "queries.settings"
	ActionReadNotifications Action = "notifications.read"
)

// engagement: market position statements and forums
const (
	ActionReadStatements    Action = "statements.read"
	ActionStatementFeedback Action = "statements.feedback"
	ActionEditStatements    Action = "statements.edit"
	ActionReadEvents        Action = "events.read"
	ActionBookEvents        Action = "events.book"
	ActionManageEvents      Action = "events.manage"
)

// self-assessment
const (
	ActionAssessmentView     Action = "assessment.view"
	ActionAssessmentEdit     Action = "assessment.edit"
	ActionAssessmentAgree    Action = "assessment.agree"
	ActionAssessmentSettings Action = "assessment.settings"
)

// payment performance and reports
const (
	ActionViewPerformance   Action = "performance.view"
	ActionViewReports       Action = "reports.view"
	ActionRecordInterest    Action = "interest.record"
	ActionReportingSettings Action = "reporting.settings"
)

// remittance and imports
const (
	ActionRemittance      Action = "remittance.apply"
	ActionContractsImport Action = "contracts.import"
)

// teamOnly lists actions that brokerage staff may take only as members of
// the named council team (admins always may).
var teamOnly = map[Action]string{
	ActionRemittance: "brokerage-payments",
}

// managerOnly lists provider actions that need the organisation manager flag.
var managerOnly = map[Action]bool{
	ActionManageOrgTeam: true,
	ActionManageTokens:  true,
}

// Can reports whether the principal may take the action.
func Can(p *Principal, a Action) bool {
	if p == nil {
		return false
	}
	if managerOnly[a] && !(p.Role == RoleProvider && p.Manager) {
		return false
	}
	if team, ok := teamOnly[a]; ok && p.Role == RoleBrokerage && !p.InTeam(team) {
		return false
	}
	for _, r := range policy[a] {
		if r == p.Role {
			return true
		}
	}
	return false
}
