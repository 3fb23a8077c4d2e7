package portal

import (
	"net/http"

	"github.com/gorilla/mux"

	"careportal/auth"
	"careportal/portal/fault"
)

// routes is the index of every route of the portal: this file, read top
// to bottom, lists them all. Each feature has its own route function below;
// the guard wrapped round a handler says who may reach it.
func (s *Server) routes() http.Handler {
	r := mux.NewRouter()
	r.StrictSlash(false)
	r.Use(func(next http.Handler) http.Handler {
		return http.HandlerFunc(func(w http.ResponseWriter, req *http.Request) {
			if route := mux.CurrentRoute(req); route != nil {
				if t, err := route.GetPathTemplate(); err == nil {
					recordRoute(t, req)
				}
			}
			next.ServeHTTP(w, req)
		})
	})
	r.Use(s.awaitLoad) // while loading in the background, pages that need the read models wait (loading.go)

	s.routesOps(r)
	s.routesPublic(r)
	s.routesAccounts(r)
	s.routesRemittance(r)
	s.routesInvoices(r)
	s.routesInvoiceMoney(r)
	s.routesPackages(r)
	s.routesReports(r)
	s.routesContacts(r)
	s.routesQueries(r)
	s.routesNotifications(r)
	s.routesStatements(r)
	s.routesForums(r)
	s.routesAssessment(r)
	s.routesAPI(r)
	s.routesEInvoice(r)
	s.routesMail(r)

	r.NotFoundHandler = s.handle(func(w http.ResponseWriter, r *http.Request) error {
		return fault.NotFoundf("page not found")
	})
	r.MethodNotAllowedHandler = s.handle(func(w http.ResponseWriter, r *http.Request) error {
		return &fault.Error{Kind: fault.Invalid, Message: "This action is not available"}
	})
	return r
}

// routesOps registers operations and static files.
func (s *Server) routesOps(r *mux.Router) {
	r.Handle("/healthz", s.handle(s.handleHealthz)).Methods(http.MethodGet, http.MethodHead)
	r.Handle("/readyz", s.handle(s.handleReadyz)).Methods(http.MethodGet, http.MethodHead)
	r.PathPrefix("/static/").Handler(s.handle(s.handleStatic)).Methods(http.MethodGet, http.MethodHead)
}

// routesPublic registers public pages.
func (s *Server) routesPublic(r *mux.Router) {
	r.Handle("/", s.handle(s.handleStart)).Methods(http.MethodGet)
	r.Handle("/accessibility", s.handle(s.handleAccessibility)).Methods(http.MethodGet)
	r.Handle("/privacy", s.handle(s.handlePrivacy)).Methods(http.MethodGet)
}

// routesAccounts registers sign-in, home pages, invitations, organisation
// users and tokens, and the admin pages for organisations, users and audit.
func (s *Server) routesAccounts(r *mux.Router) {
	r.Handle("/login", s.handle(s.handleLogin)).Methods(http.MethodGet)
	r.Handle("/login", s.handle(s.handleLoginPost)).Methods(http.MethodPost)
	r.Handle("/logout", s.handle(s.handleLogout)).Methods(http.MethodPost)
	r.Handle("/home", s.handle(s.signedIn(s.handleHome))).Methods(http.MethodGet)
	r.Handle("/more", s.handle(s.signedIn(s.handleMore))).Methods(http.MethodGet)
	r.Handle("/account/password", s.handle(s.signedIn(s.handleAccountPassword))).Methods(http.MethodGet)
	r.Handle("/account/password", s.handle(s.signedIn(s.handleAccountPasswordPost))).Methods(http.MethodPost)
	r.Handle("/invite/{token}", s.handle(s.handleInvite)).Methods(http.MethodGet)
	r.Handle("/invite/{token}", s.handle(s.handleInviteAccept)).Methods(http.MethodPost)
	r.Handle("/org/users", s.handle(s.allowed(auth.ActionManageOrgTeam, s.handleOrgUsers))).Methods(http.MethodGet)
	r.Handle("/org/users/invite", s.handle(s.allowed(auth.ActionManageOrgTeam, s.handleOrgUserInvite))).Methods(http.MethodPost)
	r.Handle("/org/users/{id}/deactivate", s.handle(s.allowed(auth.ActionManageOrgTeam, s.handleOrgUserDeactivate))).Methods(http.MethodPost)
	r.Handle("/org/users/{id}/reinvite", s.handle(s.allowed(auth.ActionManageOrgTeam, s.handleOrgUserReinvite))).Methods(http.MethodPost)
	r.Handle("/org/tokens", s.handle(s.allowed(auth.ActionManageTokens, s.handleOrgTokens))).Methods(http.MethodGet)
	r.Handle("/org/tokens", s.handle(s.allowed(auth.ActionManageTokens, s.handleOrgTokenCreate))).Methods(http.MethodPost)
	r.Handle("/org/tokens/{id}/revoke", s.handle(s.allowed(auth.ActionManageTokens, s.handleOrgTokenRevoke))).Methods(http.MethodPost)
	r.Handle("/admin/orgs", s.handle(s.allowed(auth.ActionAdminOrgs, s.handleAdminOrgs))).Methods(http.MethodGet)
	r.Handle("/admin/orgs/new", s.handle(s.allowed(auth.ActionAdminOrgs, s.handleAdminOrgNew))).Methods(http.MethodGet)
	r.Handle("/admin/orgs/new", s.handle(s.allowed(auth.ActionAdminOrgs, s.handleAdminOrgCreate))).Methods(http.MethodPost)
	r.Handle("/admin/orgs/{id}", s.handle(s.allowed(auth.ActionAdminOrgs, s.handleAdminOrg))).Methods(http.MethodGet)
	r.Handle("/admin/orgs/{id}/edit", s.handle(s.allowed(auth.ActionAdminOrgs, s.handleAdminOrgEdit))).Methods(http.MethodGet)
	r.Handle("/admin/orgs/{id}/edit", s.handle(s.allowed(auth.ActionAdminOrgs, s.handleAdminOrgUpdate))).Methods(http.MethodPost)
	r.Handle("/admin/orgs/{id}/deactivate", s.handle(s.allowed(auth.ActionAdminOrgs, s.handleAdminOrgDeactivate))).Methods(http.MethodPost)
	r.Handle("/admin/orgs/{id}/reactivate", s.handle(s.allowed(auth.ActionAdminOrgs, s.handleAdminOrgReactivate))).Methods(http.MethodPost)
	r.Handle("/admin/users", s.handle(s.allowed(auth.ActionAdminUsers, s.handleAdminUsers))).Methods(http.MethodGet)
	r.Handle("/admin/users/new", s.handle(s.allowed(auth.ActionAdminUsers, s.handleAdminUserNew))).Methods(http.MethodGet)
	r.Handle("/admin/users/new", s.handle(s.allowed(auth.ActionAdminUsers, s.handleAdminUserCreate))).Methods(http.MethodPost)
	r.Handle("/admin/users/{id}", s.handle(s.allowed(auth.ActionAdminUsers, s.handleAdminUser))).Methods(http.MethodGet)
	r.Handle("/admin/users/{id}/edit", s.handle(s.allowed(auth.ActionAdminUsers, s.handleAdminUserEdit))).Methods(http.MethodGet)
	r.Handle("/admin/users/{id}/edit", s.handle(s.allowed(auth.ActionAdminUsers, s.handleAdminUserUpdate))).Methods(http.MethodPost)
	r.Handle("/admin/users/{id}/deactivate", s.handle(s.allowed(auth.ActionAdminUsers, s.handleAdminUserDeactivate))).Methods(http.MethodPost)
	r.Handle("/admin/users/{id}/reactivate", s.handle(s.allowed(auth.ActionAdminUsers, s.handleAdminUserReactivate))).Methods(http.MethodPost)
	r.Handle("/admin/users/{id}/reinvite", s.handle(s.allowed(auth.ActionAdminUsers, s.handleAdminUserReinvite))).Methods(http.MethodPost)
	r.Handle("/admin/audit", s.handle(s.allowed(auth.ActionReadAudit, s.handleAdminAudit))).Methods(http.MethodGet)
}

// routesRemittance registers the contracts import and payment runs (remittance).
func (s *Server) routesRemittance(r *mux.Router) {
	// imports and payment runs (remittance)
	r.Handle("/staff/contracts/import", s.handle(s.allowed(auth.ActionContractsImport, s.handleContractsImport))).Methods(http.MethodGet)
	r.Handle("/staff/contracts/import", s.handleUpload(contractsImportLimit, s.allowed(auth.ActionContractsImport, s.handleContractsImportPost))).Methods(http.MethodPost)
	r.Handle("/staff/remittance", s.handle(s.allowed(auth.ActionRemittance, s.handleRemittance))).Methods(http.MethodGet)
	r.Handle("/staff/remittance", s.handleUpload(remittanceUploadLimit, s.allowed(auth.ActionRemittance, s.handleRemittanceUpload))).Methods(http.MethodPost)
	r.Handle("/staff/remittance/{id:[0-9a-f]{64}}", s.handle(s.allowed(auth.ActionRemittance, s.handleRemittanceRun))).Methods(http.MethodGet)
	r.Handle("/staff/remittance/{id:[0-9a-f]{64}}/apply", s.handle(s.allowed(auth.ActionRemittance, s.handleRemittanceApply))).Methods(http.MethodPost)
	r.Handle("/staff/remittance/{id:[0-9a-f]{64}}/lines/{line:[0-9]{1,7}}", s.handle(s.allowed(auth.ActionRemittance, s.handleRemittanceResolve))).Methods(http.MethodPost)
}

// routesInvoices registers the invoice and contract pages of providers and council staff.
func (s *Server) routesInvoices(r *mux.Router) {
	// payments core: provider pages
	r.Handle("/invoices", s.handle(s.allowed(auth.ActionInvoiceSubmit, s.handleInvoices))).Methods(http.MethodGet)
	r.Handle("/invoices/new", s.handle(s.allowed(auth.ActionInvoiceSubmit, s.handleInvoiceNew))).Methods(http.MethodGet)
	r.Handle("/invoices/new", s.handleUpload(invoiceUploadLimit, s.allowed(auth.ActionInvoiceSubmit, s.handleInvoiceCreate))).Methods(http.MethodPost)
	r.Handle("/invoices/{id}", s.handle(s.allowed(auth.ActionInvoiceSubmit, s.handleInvoiceShow))).Methods(http.MethodGet)
	r.Handle("/invoices/{id}/answer", s.handle(s.allowed(auth.ActionInvoiceSubmit, s.handleInvoiceAnswer))).Methods(http.MethodPost)
	r.Handle("/invoices/{id}/cancel", s.handle(s.allowed(auth.ActionInvoiceSubmit, s.handleInvoiceCancel))).Methods(http.MethodPost)
	r.Handle("/invoices/{id}/file", s.handle(s.allowed(auth.ActionInvoiceFile, s.handleInvoiceFile))).Methods(http.MethodGet)
	r.Handle("/contracts", s.handle(s.allowed(auth.ActionContractsRead, s.handleContracts))).Methods(http.MethodGet)
	// payments core: staff work queues, actions and the contracts register
	r.Handle("/staff/invoices", s.handle(s.allowed(auth.ActionInvoicesStaffRead, s.handleStaffInvoices))).Methods(http.MethodGet)
	r.Handle("/staff/invoices/approve", s.handle(s.allowed(auth.ActionInvoiceWork, s.handleStaffInvoicesApprove))).Methods(http.MethodPost)
	r.Handle("/staff/invoices/{id}", s.handle(s.allowed(auth.ActionInvoicesStaffRead, s.handleStaffInvoiceShow))).Methods(http.MethodGet)
	r.Handle("/staff/invoices/{id}/{action:approve|query|reject|schedule|pay}", s.handle(s.allowed(auth.ActionInvoiceWork, s.handleStaffInvoiceAction))).Methods(http.MethodPost)
	r.Handle("/staff/invoices/{id}/recover", s.handle(s.allowed(auth.ActionInvoiceWork, s.handleStaffInvoiceRecover))).Methods(http.MethodPost)
	r.Handle("/staff/contracts", s.handle(s.allowed(auth.ActionInvoicesStaffRead, s.handleStaffContracts))).Methods(http.MethodGet)
	r.Handle("/staff/contracts/new", s.handle(s.allowed(auth.ActionContractsManage, s.handleStaffContractNew))).Methods(http.MethodGet)
	r.Handle("/staff/contracts/new", s.handle(s.allowed(auth.ActionContractsManage, s.handleStaffContractCreate))).Methods(http.MethodPost)
	r.Handle("/staff/contracts/{id}/edit", s.handle(s.allowed(auth.ActionContractsManage, s.handleStaffContractEdit))).Methods(http.MethodGet)
	r.Handle("/staff/contracts/{id}/edit", s.handle(s.allowed(auth.ActionContractsManage, s.handleStaffContractUpdate))).Methods(http.MethodPost)
}

// routesPackages registers care packages and actuals: the provider's
// packages, cycles and payment schedule; brokerage's packages, imports,
// rate changes, decisions on differences and invoice generation.
func (s *Server) routesPackages(r *mux.Router) {
	prov := func(h handlerFunc) http.Handler { return s.handle(s.allowed(auth.ActionPackagesProvider, h)) }
	staff := func(h handlerFunc) http.Handler { return s.handle(s.allowed(auth.ActionPackagesStaff, h)) }
	// providers
	r.Handle("/packages", prov(s.handlePackages)).Methods(http.MethodGet)
	r.Handle("/packages/{id}", prov(s.handlePackageShow)).Methods(http.MethodGet)
	r.Handle("/packages/{id}/accept", prov(s.handlePackageAccept)).Methods(http.MethodPost)
	r.Handle("/packages/{id}/decline", prov(s.handlePackageDecline)).Methods(http.MethodPost)
	r.Handle("/packages/{id}/rate-request", s.handleUpload(queryUploadLimit, s.allowed(auth.ActionPackagesProvider, s.handlePackageRateRequest))).Methods(http.MethodPost)
	r.Handle("/actuals", prov(s.handleActuals)).Methods(http.MethodGet)
	r.Handle("/actuals/upload", prov(s.handleActualsUpload)).Methods(http.MethodGet)
	r.Handle("/actuals/upload", s.handleUpload(actualsUploadLimit, s.allowed(auth.ActionPackagesProvider, s.handleActualsUploadPost))).Methods(http.MethodPost)
	r.Handle("/actuals/{contract}/{start:[0-9]{4}-[0-9]{2}-[0-9]{2}}", prov(s.handleActualsCycle)).Methods(http.MethodGet)
	r.Handle("/actuals/{contract}/{start:[0-9]{4}-[0-9]{2}-[0-9]{2}}", prov(s.handleActualsCyclePost)).Methods(http.MethodPost)
	// brokerage staff (specific paths before /staff/packages/{id})
	r.Handle("/staff/packages", staff(s.handleStaffPackages)).Methods(http.MethodGet)
	r.Handle("/staff/packages/new", staff(s.handleStaffPackageNew)).Methods(http.MethodGet)
	r.Handle("/staff/packages/new", staff(s.handleStaffPackageCreate)).Methods(http.MethodPost)
	r.Handle("/staff/packages/import", staff(s.handleStaffPackagesImport)).Methods(http.MethodGet)
	r.Handle("/staff/packages/import", s.handleUpload(packagesImportLimit, s.allowed(auth.ActionPackagesStaff, s.handleStaffPackagesImportPost))).Methods(http.MethodPost)
	r.Handle("/staff/packages/uplift", staff(s.handleStaffPackagesUplift)).Methods(http.MethodGet)
	r.Handle("/staff/packages/uplift", staff(s.handleStaffPackagesUpliftPost)).Methods(http.MethodPost)
	r.Handle("/staff/packages/billing/{contract}", staff(s.handleStaffBilling)).Methods(http.MethodGet)
	r.Handle("/staff/packages/billing/{contract}", staff(s.handleStaffBillingPost)).Methods(http.MethodPost)
	r.Handle("/staff/packages/{id}", staff(s.handleStaffPackageShow)).Methods(http.MethodGet)
	r.Handle("/staff/packages/{id}/{action:suspend|resume|end|rate}", staff(s.handleStaffPackageAction)).Methods(http.MethodPost)
	r.Handle("/staff/actuals", staff(s.handleStaffActuals)).Methods(http.MethodGet)
	r.Handle("/staff/actuals/generate", staff(s.handleStaffActualsGenerate)).Methods(http.MethodPost)
	r.Handle("/staff/actuals/{contract}/{start:[0-9]{4}-[0-9]{2}-[0-9]{2}}", staff(s.handleStaffActualsCycle)).Methods(http.MethodGet)
	r.Handle("/staff/actuals/{contract}/{start:[0-9]{4}-[0-9]{2}-[0-9]{2}}/decide", staff(s.handleStaffActualsDecide)).Methods(http.MethodPost)
	r.Handle("/staff/actuals/{contract}/{start:[0-9]{4}-[0-9]{2}-[0-9]{2}}/generate", staff(s.handleStaffActualsCycleGenerate)).Methods(http.MethodPost)
	r.Handle("/staff/actuals/{contract}/{start:[0-9]{4}-[0-9]{2}-[0-9]{2}}/correct", staff(s.handleStaffActualsCorrect)).Methods(http.MethodPost)
}

// routesReports registers payment performance and reports.
func (s *Server) routesReports(r *mux.Router) {
	r.Handle("/performance", s.handle(s.allowed(auth.ActionViewPerformance, s.handleReportPerformance))).Methods(http.MethodGet)
	r.Handle("/performance/how-counted", s.handle(s.allowed(auth.ActionViewPerformance, s.handlePerformanceNotes))).Methods(http.MethodGet)
	r.Handle("/reports", s.handle(s.allowed(auth.ActionViewReports, s.handleReports))).Methods(http.MethodGet)
	r.Handle("/reports/payment-performance.{format:csv|json}", s.handle(s.allowed(auth.ActionViewPerformance, s.handleReportFigures))).Methods(http.MethodGet)
	r.Handle("/reports/payments-compliance", s.handle(s.allowed(auth.ActionViewReports, s.handleReportNotice))).Methods(http.MethodGet)
	r.Handle("/reports/payments-compliance.{format:csv|json}", s.handle(s.allowed(auth.ActionViewReports, s.handleReportNotice))).Methods(http.MethodGet)
	r.Handle("/reports/late-payment", s.handle(s.allowed(auth.ActionViewReports, s.handleReportReg113))).Methods(http.MethodGet)
	r.Handle("/reports/transparency/contracts.csv", s.handle(s.allowed(auth.ActionViewReports, s.handleReportContractsCSV))).Methods(http.MethodGet)
	r.Handle("/reports/transparency/spend.csv", s.handle(s.allowed(auth.ActionViewReports, s.handleReportSpendCSV))).Methods(http.MethodGet)
	r.Handle("/staff/invoices/{id}/interest", s.handle(s.allowed(auth.ActionViewReports, s.handleReportInterest))).Methods(http.MethodGet)
	r.Handle("/staff/invoices/{id}/interest", s.handle(s.allowed(auth.ActionRecordInterest, s.handleReportInterestPost))).Methods(http.MethodPost)
	r.Handle("/admin/reporting-settings", s.handle(s.allowed(auth.ActionReportingSettings, s.handleReportSettings))).Methods(http.MethodGet)
	r.Handle("/admin/reporting-settings", s.handle(s.allowed(auth.ActionReportingSettings, s.handleReportSettingsPost))).Methods(http.MethodPost)
	r.Handle("/admin/reporting-settings/base-rates", s.handle(s.allowed(auth.ActionReportingSettings, s.handleReportBaseRatePost))).Methods(http.MethodPost)
	r.Handle("/admin/reporting-settings/rates-reviewed", s.handle(s.allowed(auth.ActionReportingSettings, s.handleReportRatesReviewedPost))).Methods(http.MethodPost)
	r.Handle("/api/v1/reports/payment-performance", s.handle(s.allowed(auth.ActionViewPerformance, s.handleAPIPaymentPerformance))).Methods(http.MethodGet)
}

// routesContacts registers the contacts directory.
func (s *Server) routesContacts(r *mux.Router) {
	// contacts: the team directory is public; named contacts show when signed in
	r.Handle("/contacts", s.handle(s.handleContacts)).Methods(http.MethodGet)
	r.Handle("/contacts/topics/{slug}", s.handle(s.handleContactsTopic)).Methods(http.MethodGet)
	r.Handle("/contacts/safeguarding", s.handle(s.allowed(auth.ActionContactSettings, s.handleSafeguardingSettings))).Methods(http.MethodGet)
	r.Handle("/contacts/safeguarding", s.handle(s.allowed(auth.ActionContactSettings, s.handleSafeguardingSave))).Methods(http.MethodPost)
	r.Handle("/contacts/teams/{slug}", s.handle(s.handleContactsTeam)).Methods(http.MethodGet)
	r.Handle("/contacts/teams/{slug}/edit", s.handle(s.signedIn(s.handleContactsTeamEdit))).Methods(http.MethodGet)
	r.Handle("/contacts/teams/{slug}/edit", s.handle(s.signedIn(s.handleContactsTeamSave))).Methods(http.MethodPost)
	r.Handle("/contacts/teams/{slug}/people/new", s.handle(s.signedIn(s.handleContactNew))).Methods(http.MethodGet)
	r.Handle("/contacts/teams/{slug}/people/new", s.handle(s.signedIn(s.handleContactCreate))).Methods(http.MethodPost)
	r.Handle("/contacts/people/{id}/edit", s.handle(s.signedIn(s.handleContactEdit))).Methods(http.MethodGet)
	r.Handle("/contacts/people/{id}/edit", s.handle(s.signedIn(s.handleContactUpdate))).Methods(http.MethodPost)
	r.Handle("/contacts/people/{id}/checked", s.handle(s.signedIn(s.handleContactChecked))).Methods(http.MethodPost)
	r.Handle("/contacts/people/{id}/remove", s.handle(s.signedIn(s.handleContactRemove))).Methods(http.MethodPost)
}

// routesQueries registers queries, their service levels and bank holidays.
func (s *Server) routesQueries(r *mux.Router) {
	// queries (specific paths before /queries/{id})
	r.Handle("/queries", s.handle(s.allowed(auth.ActionReadQueries, s.handleQueries))).Methods(http.MethodGet)
	r.Handle("/queries/new", s.handle(s.allowed(auth.ActionRaiseQuery, s.handleQueryNew))).Methods(http.MethodGet)
	r.Handle("/queries/new", s.handleUpload(queryUploadLimit, s.allowed(auth.ActionRaiseQuery, s.handleQueryCreate))).Methods(http.MethodPost)
	r.Handle("/queries/figures", s.handle(s.allowed(auth.ActionReadQueries, s.handleQueryFigures))).Methods(http.MethodGet)
	r.Handle("/queries/attachments/{id}", s.handle(s.allowed(auth.ActionReadQueries, s.handleQueryAttachment))).Methods(http.MethodGet)
	r.Handle("/queries/{id}", s.handle(s.allowed(auth.ActionReadQueries, s.handleQueryShow))).Methods(http.MethodGet)
	r.Handle("/queries/{id}/reply", s.handleUpload(queryUploadLimit, s.allowed(auth.ActionReadQueries, s.handleQueryReply))).Methods(http.MethodPost)
	r.Handle("/queries/{id}/assign", s.handle(s.allowed(auth.ActionWorkQueries, s.handleQueryAssign))).Methods(http.MethodPost)
	r.Handle("/queries/{id}/transfer", s.handle(s.allowed(auth.ActionWorkQueries, s.handleQueryTransfer))).Methods(http.MethodPost)
	r.Handle("/queries/{id}/resolve", s.handle(s.allowed(auth.ActionWorkQueries, s.handleQueryResolve))).Methods(http.MethodPost)
	r.Handle("/queries/{id}/reopen", s.handle(s.allowed(auth.ActionRaiseQuery, s.handleQueryReopen))).Methods(http.MethodPost)
	r.Handle("/admin/query-settings", s.handle(s.allowed(auth.ActionQuerySettings, s.handleQuerySettings))).Methods(http.MethodGet)
	r.Handle("/admin/query-settings", s.handle(s.allowed(auth.ActionQuerySettings, s.handleQueryTargetsSave))).Methods(http.MethodPost)
	r.Handle("/admin/bank-holidays", s.handle(s.allowed(auth.ActionQuerySettings, s.handleHolidayAdd))).Methods(http.MethodPost)
	r.Handle("/admin/bank-holidays/remove", s.handle(s.allowed(auth.ActionQuerySettings, s.handleHolidayRemove))).Methods(http.MethodPost)
}

// routesNotifications registers notifications.
func (s *Server) routesNotifications(r *mux.Router) {
	// notifications
	r.Handle("/notifications", s.handle(s.allowed(auth.ActionReadNotifications, s.handleNotifications))).Methods(http.MethodGet)
	r.Handle("/notifications/read-all", s.handle(s.allowed(auth.ActionReadNotifications, s.handleNotificationsReadAll))).Methods(http.MethodPost)
	r.Handle("/notifications/{id}/read", s.handle(s.allowed(auth.ActionReadNotifications, s.handleNotificationRead))).Methods(http.MethodPost)
}

// routesStatements registers market position statements and feedback on them.
func (s *Server) routesStatements(r *mux.Router) {
	// statements: readers (providers and staff); feedback by providers
	r.Handle("/statements", s.handle(s.allowed(auth.ActionReadStatements, s.handleStatementCurrent))).Methods(http.MethodGet)
	r.Handle("/statements/feedback", s.handle(s.allowed(auth.ActionStatementFeedback, s.handleStatementFeedbackMine))).Methods(http.MethodGet)
	r.Handle("/statements/{id}/versions/{n:[0-9]+}", s.handle(s.allowed(auth.ActionReadStatements, s.handleStatementVersion))).Methods(http.MethodGet)
	r.Handle("/statements/{id}/versions/{n:[0-9]+}/print", s.handle(s.allowed(auth.ActionReadStatements, s.handleStatementPrint))).Methods(http.MethodGet)
	r.Handle("/statements/{id}/versions/{n:[0-9]+}/feedback", s.handle(s.allowed(auth.ActionStatementFeedback, s.handleStatementFeedbackNew))).Methods(http.MethodGet)
	r.Handle("/statements/{id}/versions/{n:[0-9]+}/feedback", s.handle(s.allowed(auth.ActionStatementFeedback, s.handleStatementFeedbackCreate))).Methods(http.MethodPost)
	r.Handle("/statements/{id}/diff", s.handle(s.allowed(auth.ActionReadStatements, s.handleStatementDiff))).Methods(http.MethodGet)
	// statements: commissioners
	r.Handle("/commission/statements", s.handle(s.allowed(auth.ActionEditStatements, s.handleCommissionStatements))).Methods(http.MethodGet)
	r.Handle("/commission/statements/new", s.handle(s.allowed(auth.ActionEditStatements, s.handleCommissionStatementNew))).Methods(http.MethodGet)
	r.Handle("/commission/statements/new", s.handle(s.allowed(auth.ActionEditStatements, s.handleCommissionStatementCreate))).Methods(http.MethodPost)
	r.Handle("/commission/statements/feedback", s.handle(s.allowed(auth.ActionEditStatements, s.handleCommissionFeedback))).Methods(http.MethodGet)
	r.Handle("/commission/statements/feedback/{id}", s.handle(s.allowed(auth.ActionEditStatements, s.handleCommissionFeedbackShow))).Methods(http.MethodGet)
	r.Handle("/commission/statements/feedback/{id}", s.handle(s.allowed(auth.ActionEditStatements, s.handleCommissionFeedbackAnswer))).Methods(http.MethodPost)
	r.Handle("/commission/statements/{id}", s.handle(s.allowed(auth.ActionEditStatements, s.handleCommissionStatement))).Methods(http.MethodGet)
	r.Handle("/commission/statements/{id}/details", s.handle(s.allowed(auth.ActionEditStatements, s.handleCommissionStatementDetails))).Methods(http.MethodGet)
	r.Handle("/commission/statements/{id}/details", s.handle(s.allowed(auth.ActionEditStatements, s.handleCommissionStatementDetailsSave))).Methods(http.MethodPost)
	r.Handle("/commission/statements/{id}/sections/{area}", s.handle(s.allowed(auth.ActionEditStatements, s.handleCommissionSectionEdit))).Methods(http.MethodGet)
	r.Handle("/commission/statements/{id}/sections/{area}", s.handle(s.allowed(auth.ActionEditStatements, s.handleCommissionSectionSave))).Methods(http.MethodPost)
	r.Handle("/commission/statements/{id}/publish", s.handle(s.allowed(auth.ActionEditStatements, s.handleCommissionStatementPublish))).Methods(http.MethodPost)
}

// routesForums registers forums and events.
func (s *Server) routesForums(r *mux.Router) {
	// forums: the calendar feed is reached by its secret token (calendar apps cannot sign in)
	r.Handle("/events/feed/{token:[0-9a-f]{64}}.ics", s.handle(s.handleEventFeed)).Methods(http.MethodGet, http.MethodHead)
	r.Handle("/events/feed", s.handle(s.allowed(auth.ActionBookEvents, s.handleEventFeedCreate))).Methods(http.MethodPost)
	r.Handle("/events/feed/reset", s.handle(s.allowed(auth.ActionBookEvents, s.handleEventFeedReset))).Methods(http.MethodPost)
	r.Handle("/events", s.handle(s.allowed(auth.ActionReadEvents, s.handleEvents))).Methods(http.MethodGet)
	r.Handle("/events/{id:ev_[0-9a-f]+}.ics", s.handle(s.allowed(auth.ActionReadEvents, s.handleEventICS))).Methods(http.MethodGet)
	r.Handle("/events/{id:ev_[0-9a-f]+}", s.handle(s.allowed(auth.ActionReadEvents, s.handleEventShow))).Methods(http.MethodGet)
	r.Handle("/events/{id:ev_[0-9a-f]+}/book", s.handle(s.allowed(auth.ActionBookEvents, s.handleEventBook))).Methods(http.MethodPost)
	r.Handle("/events/{id:ev_[0-9a-f]+}/cancel", s.handle(s.allowed(auth.ActionBookEvents, s.handleEventCancel))).Methods(http.MethodPost)
	r.Handle("/events/{id:ev_[0-9a-f]+}/comments", s.handle(s.allowed(auth.ActionBookEvents, s.handleEventComment))).Methods(http.MethodPost)
	// forums: commissioners
	r.Handle("/commission/events", s.handle(s.allowed(auth.ActionManageEvents, s.handleCommissionEvents))).Methods(http.MethodGet)
	r.Handle("/commission/events/new", s.handle(s.allowed(auth.ActionManageEvents, s.handleCommissionEventNew))).Methods(http.MethodGet)
	r.Handle("/commission/events/new", s.handle(s.allowed(auth.ActionManageEvents, s.handleCommissionEventCreate))).Methods(http.MethodPost)
	r.Handle("/commission/events/{id}", s.handle(s.allowed(auth.ActionManageEvents, s.handleCommissionEvent))).Methods(http.MethodGet)
	r.Handle("/commission/events/{id}/edit", s.handle(s.allowed(auth.ActionManageEvents, s.handleCommissionEventEdit))).Methods(http.MethodGet)
	r.Handle("/commission/events/{id}/edit", s.handle(s.allowed(auth.ActionManageEvents, s.handleCommissionEventUpdate))).Methods(http.MethodPost)
	r.Handle("/commission/events/{id}/attendance", s.handle(s.allowed(auth.ActionManageEvents, s.handleCommissionEventAttendance))).Methods(http.MethodPost)
	r.Handle("/commission/events/{id}/notes", s.handle(s.allowed(auth.ActionManageEvents, s.handleCommissionEventNotes))).Methods(http.MethodPost)
	r.Handle("/commission/events/{id}/cancel", s.handle(s.allowed(auth.ActionManageEvents, s.handleCommissionEventCancel))).Methods(http.MethodPost)
	r.Handle("/commission/engagement", s.handle(s.allowed(auth.ActionManageEvents, s.handleEngagementFigures))).Methods(http.MethodGet)
}

// routesAssessment registers the self-assessment. Guards: assessView is
// council staff, assessEdit and assessAgree are commissioners and admins,
// assessSettings is admins.
func (s *Server) routesAssessment(r *mux.Router) {
	r.Handle("/assessment", s.assessView(s.handleAssessmentRounds)).Methods(http.MethodGet)
	r.Handle("/assessment/rounds/new", s.assessEdit(s.handleAssessmentStart)).Methods(http.MethodGet)
	r.Handle("/assessment/rounds/new", s.assessEdit(s.handleAssessmentStartPost)).Methods(http.MethodPost)
	r.Handle("/assessment/rounds/{id}", s.assessView(s.handleAssessmentRound)).Methods(http.MethodGet)
	r.Handle("/assessment/rounds/{id}/details", s.assessEdit(s.handleAssessmentDetails)).Methods(http.MethodGet)
	r.Handle("/assessment/rounds/{id}/details", s.assessEdit(s.handleAssessmentDetailsPost)).Methods(http.MethodPost)
	r.Handle("/assessment/rounds/{id}/agree", s.assessAgree(s.handleAssessmentAgree)).Methods(http.MethodGet)
	r.Handle("/assessment/rounds/{id}/agree", s.assessAgree(s.handleAssessmentAgreePost)).Methods(http.MethodPost)
	r.Handle("/assessment/rounds/{id}/print", s.assessView(s.handleAssessmentPrint)).Methods(http.MethodGet)
	r.Handle("/assessment/rounds/{id}/export.csv", s.assessView(s.handleAssessmentCSV)).Methods(http.MethodGet)
	r.Handle("/assessment/rounds/{id}/aspects/{n:[0-9]+}", s.assessView(s.handleAssessmentAspect)).Methods(http.MethodGet)
	r.Handle("/assessment/rounds/{id}/aspects/{n:[0-9]+}", s.assessEdit(s.handleAssessmentAspectPost)).Methods(http.MethodPost)
	r.Handle("/assessment/rounds/{id}/aspects/{n:[0-9]+}/questions/{q:[0-9]+}", s.assessView(s.handleAssessmentQuestion)).Methods(http.MethodGet)
	r.Handle("/assessment/rounds/{id}/aspects/{n:[0-9]+}/questions/{q:[0-9]+}", s.assessEdit(s.handleAssessmentQuestionPost)).Methods(http.MethodPost)
	r.Handle("/assessment/rounds/{id}/aspects/{n:[0-9]+}/factors/{f:[0-9]+}", s.assessEdit(s.handleAssessmentFactor)).Methods(http.MethodGet)
	r.Handle("/assessment/rounds/{id}/aspects/{n:[0-9]+}/factors/{f:[0-9]+}", s.assessEdit(s.handleAssessmentFactorPost)).Methods(http.MethodPost)
	r.Handle("/assessment/compare", s.assessView(s.handleAssessmentCompare)).Methods(http.MethodGet)
	r.Handle("/assessment/plan", s.assessView(s.handleAssessmentPlan)).Methods(http.MethodGet)
	r.Handle("/assessment/plan/new", s.assessEdit(s.handleAssessmentActionNew)).Methods(http.MethodGet)
	r.Handle("/assessment/plan/new", s.assessEdit(s.handleAssessmentActionNewPost)).Methods(http.MethodPost)
	r.Handle("/assessment/plan/{aid}", s.assessEdit(s.handleAssessmentAction)).Methods(http.MethodGet)
	r.Handle("/assessment/plan/{aid}", s.assessEdit(s.handleAssessmentActionPost)).Methods(http.MethodPost)
	r.Handle("/assessment/indicators", s.assessView(s.handleAssessmentIndicators)).Methods(http.MethodGet)
	r.Handle("/assessment/indicators/{ind}", s.assessSettings(s.handleAssessmentIndicator)).Methods(http.MethodGet)
	r.Handle("/assessment/indicators/{ind}", s.assessSettings(s.handleAssessmentIndicatorPost)).Methods(http.MethodPost)
}

// routesAPI registers the JSON API (/api/v1): invoices for providers'
// finance systems, and the API's OpenAPI document.
func (s *Server) routesAPI(r *mux.Router) {
	r.Handle("/api/v1/openapi.json", s.handle(s.handleOpenAPI)).Methods(http.MethodGet)
	r.Handle("/api/v1/invoices", s.handleUpload(apiEInvoiceBodyLimit, s.allowed(auth.ActionInvoiceSubmit, s.handleAPIInvoiceCreate))).Methods(http.MethodPost)
	r.Handle("/api/v1/invoices", s.handle(s.allowed(auth.ActionInvoiceSubmit, s.handleAPIInvoiceList))).Methods(http.MethodGet)
	r.Handle("/api/v1/invoices/{id}", s.handle(s.allowed(auth.ActionInvoiceSubmit, s.handleAPIInvoiceShow))).Methods(http.MethodGet)
	r.Handle("/api/v1/remittances", s.handle(s.allowed(auth.ActionInvoiceSubmit, s.handleAPIRemittances))).Methods(http.MethodGet)
	r.Handle("/api/v1/remittances/{id}", s.handle(s.allowed(auth.ActionInvoiceSubmit, s.handleAPIRemittance))).Methods(http.MethodGet)
	// care packages and actuals, for providers' care management systems
	r.Handle("/api/v1/packages", s.handle(s.allowed(auth.ActionPackagesProvider, s.handleAPIPackages))).Methods(http.MethodGet)
	r.Handle("/api/v1/packages/{ref}", s.handle(s.allowed(auth.ActionPackagesProvider, s.handleAPIPackage))).Methods(http.MethodGet)
	r.Handle("/api/v1/packages/{ref}/accept", s.handleUpload(apiPackagesBodyLimit, s.allowed(auth.ActionPackagesProvider, s.handleAPIPackageAccept))).Methods(http.MethodPost)
	r.Handle("/api/v1/packages/{ref}/decline", s.handleUpload(apiPackagesBodyLimit, s.allowed(auth.ActionPackagesProvider, s.handleAPIPackageDecline))).Methods(http.MethodPost)
	r.Handle("/api/v1/actuals", s.handle(s.allowed(auth.ActionPackagesProvider, s.handleAPIActuals))).Methods(http.MethodGet)
	r.Handle("/api/v1/actuals/corrections", s.handle(s.allowed(auth.ActionPackagesProvider, s.handleAPIActualsCorrections))).Methods(http.MethodGet)
	r.Handle("/api/v1/actuals/{contract_ref}/{start}", s.handle(s.allowed(auth.ActionPackagesProvider, s.handleAPIActualsCycle))).Methods(http.MethodGet)
	r.Handle("/api/v1/actuals/{contract_ref}/{start}", s.handleUpload(apiPackagesBodyLimit, s.allowed(auth.ActionPackagesProvider, s.handleAPIActualsConfirm))).Methods(http.MethodPost)
}
