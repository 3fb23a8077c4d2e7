package queries

// Status is where a query stands.
type Status string

const (
	StatusOpen             Status = "open"              // raised; the council has not answered yet
	StatusAwaitingCouncil  Status = "awaiting-council"  // the provider wrote last (or reopened)
	StatusAwaitingProvider Status = "awaiting-provider" // the council answered and waits for the provider
	StatusResolved         Status = "resolved"
)

// Statuses in display order.
var Statuses = []Status{StatusOpen, StatusAwaitingCouncil, StatusAwaitingProvider, StatusResolved}

// Action is something done to a query.
type Action string

const (
	ActRaise           Action = "raise"
	ActProviderMessage Action = "provider-message"
	ActCouncilMessage  Action = "council-message"
	ActAssign          Action = "assign"
	ActTransfer        Action = "transfer"
	ActResolve         Action = "resolve"
	ActReopen          Action = "reopen"
)

// transitions is the one table of what each action does to each status.
// An action missing for a status is not allowed in it.
var transitions = map[Action]map[Status]Status{
	ActProviderMessage: {
		StatusOpen:             StatusOpen,
		StatusAwaitingCouncil:  StatusAwaitingCouncil,
		StatusAwaitingProvider: StatusAwaitingCouncil,
	},
	ActCouncilMessage: {
		StatusOpen:             StatusAwaitingProvider,
		StatusAwaitingCouncil:  StatusAwaitingProvider,
		StatusAwaitingProvider: StatusAwaitingProvider,
	},
	ActAssign: {
		StatusOpen:             StatusOpen,
		StatusAwaitingCouncil:  StatusAwaitingCouncil,
		StatusAwaitingProvider: StatusAwaitingProvider,
	},
	ActTransfer: {
		StatusOpen:             StatusOpen,
		StatusAwaitingCouncil:  StatusAwaitingCouncil,
		StatusAwaitingProvider: StatusAwaitingProvider,
	},
	ActResolve: {
		StatusOpen:             StatusResolved,
		StatusAwaitingCouncil:  StatusResolved,
		StatusAwaitingProvider: StatusResolved,
	},
	ActReopen: {
		StatusResolved: StatusAwaitingCouncil,
	},
}

// Next returns the status after the action, or false when the action is
// not allowed in status from.
func Next(a Action, from Status) (Status, bool) {
	to, ok := transitions[a][from]
	return to, ok
}
