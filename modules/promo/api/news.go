package api

import "time"

// Subjects of the news' operations (they need a caller; the admin ones a
// caller with the role admin).
const (
	SubjectNewsFeed = "rpc.promo.news.feed" // NewsFeedRequest → NewsPage
	SubjectNewsGet  = "rpc.promo.news.get"  // NewsRef → NewsItem

	SubjectAdminNewsList   = "rpc.promo.admin.news.list"   // AdminNewsListRequest → AdminNewsPage
	SubjectAdminNewsCreate = "rpc.promo.admin.news.create" // NewsDraft → AdminNews
	SubjectAdminNewsGet    = "rpc.promo.admin.news.get"    // NewsRef → AdminNews
	SubjectAdminNewsPatch  = "rpc.promo.admin.news.patch"  // a news patch with "id" → AdminNews
	SubjectAdminNewsDelete = "rpc.promo.admin.news.delete" // NewsRef → {}
)

// Limits of a news item (the module refuses more, naming the field).
const (
	NewsTitleMaxChars = 200      // characters of the title
	NewsBodyMaxBytes  = 64 << 10 // bytes of the Markdown body
	NewsMaxSports     = 12       // sport tags
	NewsMaxRegions    = 50       // region tags
	NewsLanguageMax   = 35       // characters of the language tag
)

// NewsRef names a news item.
type NewsRef struct {
	ID string `json:"id"`
}

// NewsDraft is what an admin gives for a news item.
type NewsDraft struct {
	Title     string     `json:"title" minLength:"1" maxLength:"200" doc:"1 to 200 characters, not only spaces, no control characters"`
	Body      string     `json:"body" minLength:"1" doc:"Markdown (CommonMark and GitHub tables, strikethrough, autolinks), at most 65,536 bytes; served as sanitised HTML"`
	Language  string     `json:"language" minLength:"2" maxLength:"35" doc:"BCP 47 language tag, e.g. de, pt-BR (kept canonical)"`
	Sports    []string   `json:"sports,omitempty" maxItems:"12" enum:"run,trail_run,walk,hike,ride,mountain_bike,swim,row,ski,strength,yoga,other" doc:"the sports it is about; ranks it higher for users who practise them"`
	Regions   []string   `json:"regions,omitempty" maxItems:"50" doc:"ISO 3166-1 alpha-2 countries it is about (upper case); ranks it higher for users in them"`
	PublishAt *time.Time `json:"publish_at,omitempty" doc:"when users see it; absent: a draft nobody sees; a future time: scheduled"`
	ExpiresAt *time.Time `json:"expires_at,omitempty" doc:"when users stop seeing it; needs publish_at and must be after it"`
	Pinned    bool       `json:"pinned,omitempty" doc:"listed before every item that is not pinned"`
}

// NewsPatchID is the member of a request on SubjectAdminNewsPatch that
// names the item; the request's other members are a JSON merge patch
// (RFC 7396) of its fields (title, body, language, sports, regions,
// publish_at, expires_at, pinned), as the module decodes it: absent
// fields stay; publish_at and expires_at null clear them; sports and
// regions replace the lists. (The patch's fields are at the top so that
// an error names them as the client sent them: body.title.)
const NewsPatchID = "id"

// AdminNews is a news item as the admin API shows it.
type AdminNews struct {
	ID        string     `json:"id" format:"uuid"`
	Title     string     `json:"title"`
	Body      string     `json:"body" doc:"the Markdown as given"`
	BodyHTML  string     `json:"body_html" doc:"the body as users get it: sanitised HTML"`
	Language  string     `json:"language"`
	Sports    []string   `json:"sports"`
	Regions   []string   `json:"regions"`
	PublishAt *time.Time `json:"publish_at"`
	ExpiresAt *time.Time `json:"expires_at"`
	Pinned    bool       `json:"pinned"`
	State     string     `json:"state" enum:"draft,scheduled,published,expired" doc:"at the time of the answer"`
	CreatedBy string     `json:"created_by" format:"uuid"`
	CreatedAt time.Time  `json:"created_at"`
	UpdatedAt time.Time  `json:"updated_at"`
}

// AdminNewsListRequest asks for a page of every news item, newest
// created first; State keeps only the items in that state now.
type AdminNewsListRequest struct {
	State  string `json:"state,omitempty"`
	Limit  int    `json:"limit,omitempty"`
	Cursor string `json:"cursor,omitempty"`
}

// AdminNewsPage is a page of the admin list.
type AdminNewsPage struct {
	Items      []AdminNews `json:"items"`
	NextCursor *string     `json:"next_cursor" doc:"the cursor of the next page; null on the last"`
}

// NewsFeedRequest asks for a page of the caller's news feed.
type NewsFeedRequest struct {
	Limit  int    `json:"limit,omitempty"`
	Cursor string `json:"cursor,omitempty"`
}

// NewsItem is a published news item as users get it.
type NewsItem struct {
	ID          string     `json:"id" format:"uuid"`
	Title       string     `json:"title"`
	HTML        string     `json:"html" doc:"the body, Markdown rendered to sanitised HTML (links rel=\"nofollow noopener\", no scripts, styles or event handlers)"`
	Language    string     `json:"language"`
	Sports      []string   `json:"sports"`
	Regions     []string   `json:"regions"`
	Pinned      bool       `json:"pinned"`
	PublishedAt time.Time  `json:"published_at"`
	ExpiresAt   *time.Time `json:"expires_at,omitempty"`
}

// NewsPage is a page of the news feed.
type NewsPage struct {
	Language   string     `json:"language" doc:"the language of the items: yours, its base language (pt for pt-BR) or the default (en), the first that has news"`
	Items      []NewsItem `json:"items"`
	NextCursor *string    `json:"next_cursor" doc:"the cursor of the next page; null on the last"`
}
