package httpkit

// Real-time channels. What the app sends and receives over NATS
// (WebSocket) is described, like the HTTP operations, by the modules that
// own it: each module's httpapi package hands its channels to the front
// (package modules lists them, as it lists the Routes), and the front
// serves them as an AsyncAPI 3.0 document at /asyncapi.json. Payloads and
// headers are Go values whose types the code itself encodes: their JSON
// schemas are made from the types as the OpenAPI document's are, so both
// documents describe a type alike.

// What the app does on a channel.
const (
	// AppSends: the app publishes on the channel (AsyncAPI action "send").
	AppSends = "send"
	// AppReceives: the app subscribes to the channel (AsyncAPI action
	// "receive").
	AppReceives = "receive"
)

// Channel is one family of NATS subjects the app publishes on or
// subscribes to, and what goes over it.
type Channel struct {
	// ID names the channel in the document (channels.<ID>), e.g.
	// "liveSession"; unique across modules.
	ID string
	// Address is the subject, with its variable tokens in braces, e.g.
	// "live.session.{userId}.{sessionId}".
	Address string
	// Parameters describe the address's variable tokens, by name.
	Parameters map[string]string
	// Title and Description say what the channel is for.
	Title       string
	Description string
	// Module owns the channel (a tag of its operation).
	Module string
	// Action is AppSends or AppReceives.
	Action string
	// Operation names what the app does on it (operations.<Operation>),
	// e.g. "receiveLiveFigures", and Summary says it in a line.
	Operation string
	Summary   string
	// Messages are what goes over the channel.
	Messages []Message
	// Reply, for a publish that is answered, is the answer.
	Reply *Reply
}

// Message is one kind of message.
type Message struct {
	// ID names the message in the document (components.messages.<ID>);
	// the same ID on several channels means the same message, e.g. the
	// live figures of the owner's and of the watchers' subject.
	ID      string
	Title   string
	Summary string
	// Description says more: when it is sent, what to do with it.
	Description string
	// Payload is a value of the Go type the message's JSON encodes.
	Payload any
	// Headers, when set, is a value of a struct type whose JSON fields
	// are the message's NATS headers.
	Headers any
}

// Reply is the answer to a publish: it comes on the subject the
// publisher named as the reply (under its own inbox).
type Reply struct {
	// ChannelID names the reply's channel; Address is its subject, e.g.
	// "_INBOX_{userId}.{reply}", and Parameters describe its tokens.
	ChannelID   string
	Address     string
	Parameters  map[string]string
	Description string
	// Messages are the answers it may be.
	Messages []Message
}
