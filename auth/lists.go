package auth

import (
	"context"
	"regexp"
	"slices"
	"strings"

	"go.mongodb.org/mongo-driver/v2/bson"
	"go.mongodb.org/mongo-driver/v2/mongo"
	"go.mongodb.org/mongo-driver/v2/mongo/options"

	"careportal/portal/store"
)

// Paged lists of users and organisations (issue #13): a page costs one
// page, not the collection.
//
// Both lists are in name order regardless of case, ties by id, so the
// order is the same on every read and a row never shows on two pages.
// The sort key is the stored field name_lower (lower-cased name): MongoDB
// sorts strings byte by byte, as Go does, and FerretDB has no collations,
// so the case-insensitive order needs a field of its own. CreateUser,
// UpdateUser, CreateOrg and UpdateOrg keep it; the migration
// "auth/name-lower" fills it in for documents written before it existed.
//
// In MongoDB mode the store filters, counts, sorts, skips and limits,
// through the indexes of EnsureIndexes: users {name_lower, _id} and
// {org_id, name_lower, _id}; orgs {name_lower, _id}. A page walks the
// index from the skip and fetches only its rows, and the count walks
// index keys only, so a page costs its rows plus the skipped keys.
//
// In the embedded FerretDB every filter but a bare _id scans and decodes
// the whole collection, and so does a sort with skip and limit (DESIGN.md
// section 4): the count plus the page would cost about what the old full
// read did. There (Options.ListsInMemory) the lists are kept in memory in
// the same order and written through (lists_mem.go).

// UserQuery narrows and pages the users list.
type UserQuery struct {
	// OrgID, when set, keeps the organisation's users only.
	OrgID string
	// Search, when set, keeps the users whose name starts with it,
	// whatever the case.
	Search string
	// Skip rows of the order, then at most Limit rows (less than 1
	// means 100).
	Skip, Limit int
}

// OrgQuery narrows and pages the organisations list.
type OrgQuery struct {
	// Search, when set, keeps the organisations whose name starts with
	// it, whatever the case.
	Search string
	// Skip and Limit are as in UserQuery.
	Skip, Limit int
}

// UsersPage returns one page of users in name order and how many users
// match the query in all.
func (s *Service) UsersPage(ctx context.Context, q UserQuery) ([]User, int, error) {
	if s.userList != nil {
		if err := s.userList.load(ctx, s.db); err != nil {
			return nil, 0, err
		}
		skip, limit := pageBounds(q.Skip, q.Limit)
		rows, total := s.userList.page(q.OrgID, normaliseSearch(q.Search), skip, limit)
		return rows, total, nil
	}
	filter := bson.D{}
	if q.OrgID != "" {
		filter = append(filter, bson.E{Key: "org_id", Value: q.OrgID})
	}
	filter = appendNamePrefix(filter, q.Search)
	return findPage[User](ctx, s.db.Collection(colUsers), filter, q.Skip, q.Limit)
}

// OrgsPage returns one page of organisations in name order and how many
// match the query in all.
func (s *Service) OrgsPage(ctx context.Context, q OrgQuery) ([]Org, int, error) {
	if s.orgList != nil {
		if err := s.orgList.load(ctx, s.db); err != nil {
			return nil, 0, err
		}
		skip, limit := pageBounds(q.Skip, q.Limit)
		rows, total := s.orgList.page("", normaliseSearch(q.Search), skip, limit)
		return rows, total, nil
	}
	filter := appendNamePrefix(bson.D{}, q.Search)
	return findPage[Org](ctx, s.db.Collection(colOrgs), filter, q.Skip, q.Limit)
}

// OrgNames names the organisations with the given ids, for a page of
// users: from the list in memory, or else one find by _id in the ids
// (MongoDB answers it from the _id index). An id with no organisation is
// left out.
func (s *Service) OrgNames(ctx context.Context, ids []string) (map[string]string, error) {
	out := make(map[string]string, len(ids))
	var want []string
	for _, id := range ids {
		if id != "" && !slices.Contains(want, id) {
			want = append(want, id)
		}
	}
	if len(want) == 0 {
		return out, nil
	}
	if s.orgList != nil {
		if err := s.orgList.load(ctx, s.db); err != nil {
			return nil, err
		}
		for _, id := range want {
			if o, ok := s.orgList.get(id); ok {
				out[id] = o.Name
			}
		}
		return out, nil
	}
	ctx, cancel := store.CallContext(ctx)
	defer cancel()
	type named struct {
		ID   string `bson:"_id"`
		Name string `bson:"name"`
	}
	orgs, err := store.FindAll[named](ctx, s.db.Collection(colOrgs), bson.D{{Key: "_id", Value: bson.D{{Key: "$in", Value: want}}}},
		options.Find().SetProjection(bson.D{{Key: "name", Value: 1}}))
	if err != nil {
		return nil, err
	}
	for _, o := range orgs {
		out[o.ID] = o.Name
	}
	return out, nil
}

// normaliseSearch is the search as the lists compare it: spaces as one,
// lower case.
func normaliseSearch(search string) string {
	return strings.ToLower(strings.Join(strings.Fields(search), " "))
}

// pageBounds are skip and limit as the lists use them.
func pageBounds(skip, limit int) (int, int) {
	if limit < 1 {
		limit = 100
	}
	return max(skip, 0), limit
}

// appendNamePrefix keeps the names starting with search (any case): an
// anchored regular expression on name_lower, which MongoDB answers from
// the name_lower index.
func appendNamePrefix(filter bson.D, search string) bson.D {
	search = normaliseSearch(search)
	if search == "" {
		return filter
	}
	return append(filter, bson.E{Key: "name_lower", Value: bson.D{{Key: "$regex", Value: "^" + regexp.QuoteMeta(search)}}})
}

// byName is the lists' order: name_lower, then _id for equal names.
var byName = bson.D{{Key: "name_lower", Value: 1}, {Key: "_id", Value: 1}}

// findPage reads one page of filter's matches in name order and counts
// them all.
func findPage[T any](ctx context.Context, col *mongo.Collection, filter bson.D, skip, limit int) ([]T, int, error) {
	skip, limit = pageBounds(skip, limit)
	ctx, cancel := store.CallContext(ctx)
	defer cancel()
	total, err := col.CountDocuments(ctx, filter)
	if err != nil {
		return nil, 0, err
	}
	if int64(skip) >= total {
		return nil, int(total), nil
	}
	rows, err := store.FindAll[T](ctx, col, filter, options.Find().SetSort(byName).SetSkip(int64(skip)).SetLimit(int64(limit)))
	if err != nil {
		return nil, 0, err
	}
	return rows, int(total), nil
}

// nameLowerMigration fills in name_lower (see above) on users and
// organisations written before it existed. Idempotent: a document that
// has it does not match.
var nameLowerMigration = store.Migration{ID: "auth/name-lower", Run: func(ctx context.Context, db *mongo.Database) error {
	for _, name := range []string{colUsers, colOrgs} {
		coll := db.Collection(name)
		type doc struct {
			ID   string `bson:"_id"`
			Name string `bson:"name"`
		}
		cctx, cancel := store.CallContext(ctx)
		docs, err := store.FindAll[doc](cctx, coll, bson.D{{Key: "name_lower", Value: bson.D{{Key: "$exists", Value: false}}}},
			options.Find().SetProjection(bson.D{{Key: "name", Value: 1}}))
		cancel()
		if err != nil {
			return err
		}
		for _, d := range docs {
			cctx, cancel := store.CallContext(ctx)
			_, err := coll.UpdateOne(cctx, bson.D{{Key: "_id", Value: d.ID}}, bson.D{{Key: "$set", Value: bson.D{{Key: "name_lower", Value: strings.ToLower(d.Name)}}}})
			cancel()
			if err != nil {
				return err
			}
		}
	}
	return nil
}}
