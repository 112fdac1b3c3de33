package group_test

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"

	"github.com/athlos/athlos/modules/social/internal/group"
)

// The permission table, written out again by hand: every action for every
// relation, in a public and a private group. A letter per relation in
// the order owner, admin, member, requester, banned, stranger: y may, . may not.
func TestWhoMayDoWhat(t *testing.T) {
	want := map[group.Action][2]string{ // public, private
		group.View:         {"yyyyyy", "yyyyyy"},
		group.Update:       {"yy....", "yy...."},
		group.Delete:       {"y.....", "y....."},
		group.ListMembers:  {"yyyy.y", "yyy..."},
		group.Join:         {"...y.y", "...y.y"},
		group.JoinInvited:  {"...y.y", "...y.y"},
		group.Leave:        {".yyy..", ".yyy.."},
		group.ListRequests: {"yy....", "yy...."},
		group.Decide:       {"yy....", "yy...."},
		group.Remove:       {"yy....", "yy...."},
		group.Ban:          {"yy....", "yy...."},
		group.SetRole:      {"y.....", "y....."},
		group.Transfer:     {"y.....", "y....."},
		group.Invite:       {"yy....", "yy...."},
	}
	assert.Len(t, want, len(group.Actions()), "every action is in the table")
	for _, a := range group.Actions() {
		for v, visibility := range []string{group.Public, group.Private} {
			var got strings.Builder
			for _, r := range group.Roles() {
				if group.Allowed(a, r, visibility) {
					got.WriteByte('y')
				} else {
					got.WriteByte('.')
				}
			}
			assert.Equal(t, want[a][v], got.String(), "%s in a %s group", a, visibility)
		}
	}
	assert.False(t, group.Allowed("fly", group.Owner, group.Public), "an unknown action is nobody's")
}

// Acting on another user: only on those below; requests for requesters;
// roles and ownership between members and admins.
func TestWhoMayActOnWhom(t *testing.T) {
	want := map[group.Action]map[group.Role]string{ // actor → targets owner, admin, member, requester, banned, stranger
		group.Remove:   {group.Owner: ".yy...", group.Admin: "..y...", group.Member: "......"},
		group.Ban:      {group.Owner: ".yyy.y", group.Admin: "..yy.y", group.Member: "...y.y"},
		group.Decide:   {group.Owner: "...y..", group.Admin: "...y.."},
		group.SetRole:  {group.Owner: ".yy..."},
		group.Transfer: {group.Owner: ".yy..."},
	}
	for a, actors := range want {
		for actor, row := range actors {
			var got strings.Builder
			for _, target := range group.Roles() {
				if group.AllowedOn(a, actor, target) {
					got.WriteByte('y')
				} else {
					got.WriteByte('.')
				}
			}
			assert.Equal(t, row, got.String(), "%s by %s", a, actor)
		}
	}
	assert.False(t, group.AllowedOn(group.View, group.Owner, group.Member), "not an action on a user")
}
