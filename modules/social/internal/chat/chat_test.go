package chat_test

import (
	"strings"
	"testing"

	"github.com/stretchr/testify/assert"

	"github.com/athlos/athlos/modules/social/internal/chat"
)

func TestCheckText(t *testing.T) {
	t.Parallel()
	for _, ok := range []string{"hi", "a\nb\tc", strings.Repeat("é", chat.MaxTextChars), "<b>not markup</b>", "🏃‍♀️ 10 km", "\uFFFD"} {
		assert.NoError(t, chat.CheckText("body.text", ok), "%q", ok)
	}
	for text, reason := range map[string]string{
		"":                                       "must not be empty",
		strings.Repeat("a", chat.MaxTextChars+1): "at most 4000",
		"a\x00b":                                 "control character (U+0000)",
		"a\rb":                                   "control character (U+000D)",
		"bell\a":                                 "control character",
		"esc\x1b[31m":                            "control character (U+001B)",
		"c1\u0085":                               "control character (U+0085)",
		" \n\t ":                                 "only white space",
		"bad\xffutf8":                            "not valid UTF-8",
	} {
		err := chat.CheckText("body.text", text)
		if assert.Error(t, err, "%q", text) {
			assert.Contains(t, err.Error(), reason, "%q", text)
			assert.Contains(t, err.Error(), "body.text")
		}
	}
}

func TestCheckTxnID(t *testing.T) {
	t.Parallel()
	assert.NoError(t, chat.CheckTxnID("body.txn_id", ""))
	assert.NoError(t, chat.CheckTxnID("body.txn_id", "m1701.42-abc_~"))
	assert.Error(t, chat.CheckTxnID("body.txn_id", strings.Repeat("x", 65)))
	assert.Error(t, chat.CheckTxnID("body.txn_id", "has space"))
	assert.Error(t, chat.CheckTxnID("body.txn_id", "é"))
}

func TestCheckEmoji(t *testing.T) {
	t.Parallel()
	for _, ok := range []string{"👍", "👍🏽", "❤️", "🏃‍♀️", "🇩🇪", "1️⃣", "⭐", "🥇", "👨‍👩‍👧‍👦"} {
		assert.NoError(t, chat.CheckEmoji("path.emoji", ok), "%q", ok)
	}
	for _, bad := range []string{"", "a", "👍👍", ":+1:", "<", "1", "🇩", "\u200d", strings.Repeat("👍", 10)} {
		assert.Error(t, chat.CheckEmoji("path.emoji", bad), "%q", bad)
	}
}

func TestNewPageRequest(t *testing.T) {
	t.Parallel()
	p, err := chat.NewPageRequest(0, 0, 0, 0)
	assert.NoError(t, err)
	assert.Equal(t, chat.PageRequest{Dir: chat.Latest, Limit: chat.DefaultLimit}, p)
	p, err = chat.NewPageRequest(10, 0, 0, 5)
	assert.NoError(t, err)
	assert.Equal(t, chat.PageRequest{Dir: chat.Before, Anchor: 10, Limit: 5}, p)
	p, err = chat.NewPageRequest(0, 0, 7, 5)
	assert.NoError(t, err)
	older, newer := p.Split()
	assert.Equal(t, []int{2, 3}, []int{older, newer})

	for _, c := range []struct {
		before, after, around int64
		limit                 int
		field                 string
	}{
		{1, 2, 0, 0, "before"}, {0, 1, 1, 0, "before"}, {-1, 0, 0, 0, "before"}, {0, chat.MaxID + 1, 0, 0, "after"},
		{0, 0, 0, 101, "limit"}, {0, 0, 0, -1, "limit"},
	} {
		_, err := chat.NewPageRequest(c.before, c.after, c.around, c.limit)
		if assert.Error(t, err, "%+v", c) {
			assert.Contains(t, err.Error(), c.field)
		}
	}
}

func TestPageCursors(t *testing.T) {
	t.Parallel()
	p := chat.PageRequest{Dir: chat.Before, Anchor: 5, Limit: 2}
	assert.Equal(t, chat.Cursors{Prev: 3, Next: 4}, chat.PageCursors([]int64{3, 4}, true, true, p))
	assert.Equal(t, chat.Cursors{Next: 4}, chat.PageCursors([]int64{3, 4}, false, true, p))
	// Empty pages point back, including the anchor.
	assert.Equal(t, chat.Cursors{Next: 0}, chat.PageCursors(nil, false, true, chat.PageRequest{Dir: chat.Before, Anchor: 1}))
	assert.Equal(t, chat.Cursors{Next: 4}, chat.PageCursors(nil, false, true, chat.PageRequest{Dir: chat.Before, Anchor: 5}))
	assert.Equal(t, chat.Cursors{Prev: 10}, chat.PageCursors(nil, true, false, chat.PageRequest{Dir: chat.After, Anchor: 9}))
	assert.Equal(t, chat.Cursors{}, chat.PageCursors(nil, false, false, chat.PageRequest{}))
}
