package epp

import (
	"bytes"
	"encoding/xml"
	"strings"

	"github.com/headlessdomains/registry/core"
)

// XML namespaces the gateway reads and writes.
const (
	NSEPP     = "urn:ietf:params:xml:ns:epp-1.0"
	NSDomain  = "urn:ietf:params:xml:ns:domain-1.0"
	NSContact = "urn:ietf:params:xml:ns:contact-1.0"
	NSHost    = "urn:ietf:params:xml:ns:host-1.0"
	NSRGP     = "urn:ietf:params:xml:ns:rgp-1.0"
	NSLaunch  = "urn:ietf:params:xml:ns:launch-1.0"
	// NSRegistry carries the catalog code of a refusal in <extValue><value>.
	NSRegistry = "urn:headlessdomains:params:xml:ns:registry-1.0"
)

// The parsed XML of one client frame. Elements are matched by namespace and
// local name; encoding/xml ignores anything else, and the handlers check
// what they need.

type xEPP struct {
	XMLName xml.Name  `xml:"urn:ietf:params:xml:ns:epp-1.0 epp"`
	Hello   *struct{} `xml:"urn:ietf:params:xml:ns:epp-1.0 hello"`
	Command *xCommand `xml:"urn:ietf:params:xml:ns:epp-1.0 command"`
	Other   []xAny    `xml:",any"`
}

type xAny struct {
	XMLName xml.Name
}

type xCommand struct {
	Login     *xLogin     `xml:"urn:ietf:params:xml:ns:epp-1.0 login"`
	Logout    *struct{}   `xml:"urn:ietf:params:xml:ns:epp-1.0 logout"`
	Poll      *xPoll      `xml:"urn:ietf:params:xml:ns:epp-1.0 poll"`
	Check     *xCheck     `xml:"urn:ietf:params:xml:ns:epp-1.0 check"`
	Info      *xInfo      `xml:"urn:ietf:params:xml:ns:epp-1.0 info"`
	Create    *xCreate    `xml:"urn:ietf:params:xml:ns:epp-1.0 create"`
	Renew     *xRenew     `xml:"urn:ietf:params:xml:ns:epp-1.0 renew"`
	Update    *xUpdate    `xml:"urn:ietf:params:xml:ns:epp-1.0 update"`
	Delete    *xDelete    `xml:"urn:ietf:params:xml:ns:epp-1.0 delete"`
	Transfer  *xTransfer  `xml:"urn:ietf:params:xml:ns:epp-1.0 transfer"`
	Extension *xExtension `xml:"urn:ietf:params:xml:ns:epp-1.0 extension"`
	ClTRID    *string     `xml:"urn:ietf:params:xml:ns:epp-1.0 clTRID"`
	Other     []xAny      `xml:",any"`
}

type xLogin struct {
	ClID    string   `xml:"clID"`
	PW      string   `xml:"pw"`
	NewPW   *string  `xml:"newPW"`
	Version string   `xml:"options>version"`
	Lang    string   `xml:"options>lang"`
	ObjURI  []string `xml:"svcs>objURI"`
	ExtURI  []string `xml:"svcs>svcExtension>extURI"`
}

type xPoll struct {
	Op    string `xml:"op,attr"`
	MsgID string `xml:"msgID,attr"`
}

type xCheck struct {
	Domain  *xNames `xml:"urn:ietf:params:xml:ns:domain-1.0 check"`
	Contact *xIDs   `xml:"urn:ietf:params:xml:ns:contact-1.0 check"`
	Other   []xAny  `xml:",any"`
}

type xInfo struct {
	Domain  *xDomainInfo `xml:"urn:ietf:params:xml:ns:domain-1.0 info"`
	Contact *xIDs        `xml:"urn:ietf:params:xml:ns:contact-1.0 info"`
	Other   []xAny       `xml:",any"`
}

type xDelete struct {
	Domain  *xNames `xml:"urn:ietf:params:xml:ns:domain-1.0 delete"`
	Contact *xIDs   `xml:"urn:ietf:params:xml:ns:contact-1.0 delete"`
	Other   []xAny  `xml:",any"`
}

type xNames struct {
	Names []string `xml:"name"`
}

type xIDs struct {
	IDs []string `xml:"id"`
}

type xCreate struct {
	Domain  *xDomainCreate  `xml:"urn:ietf:params:xml:ns:domain-1.0 create"`
	Contact *xContactCreate `xml:"urn:ietf:params:xml:ns:contact-1.0 create"`
	Other   []xAny          `xml:",any"`
}

type xPeriod struct {
	Unit  string `xml:"unit,attr"`
	Value string `xml:",chardata"`
}

type xNS struct {
	HostObj  []string `xml:"hostObj"`
	HostAttr []struct {
		HostName string `xml:"hostName"`
	} `xml:"hostAttr"`
}

type xContactRef struct {
	Type string `xml:"type,attr"`
	ID   string `xml:",chardata"`
}

type xDomainCreate struct {
	Name       string        `xml:"name"`
	Period     *xPeriod      `xml:"period"`
	NS         *xNS          `xml:"ns"`
	Registrant *string       `xml:"registrant"`
	Contacts   []xContactRef `xml:"contact"`
	AuthPW     *string       `xml:"authInfo>pw"`
}

type xRenew struct {
	Domain *struct {
		Name       string   `xml:"name"`
		CurExpDate string   `xml:"curExpDate"`
		Period     *xPeriod `xml:"period"`
	} `xml:"urn:ietf:params:xml:ns:domain-1.0 renew"`
	Other []xAny `xml:",any"`
}

type xStatus struct {
	S string `xml:"s,attr"`
}

type xDomainAddRem struct {
	NS       *xNS          `xml:"ns"`
	Contacts []xContactRef `xml:"contact"`
	Statuses []xStatus     `xml:"status"`
}

type xDomainUpdate struct {
	Name string         `xml:"name"`
	Add  *xDomainAddRem `xml:"add"`
	Rem  *xDomainAddRem `xml:"rem"`
	Chg  *struct {
		Registrant *string `xml:"registrant"`
		AuthPW     *string `xml:"authInfo>pw"`
	} `xml:"chg"`
}

type xUpdate struct {
	Domain  *xDomainUpdate  `xml:"urn:ietf:params:xml:ns:domain-1.0 update"`
	Contact *xContactUpdate `xml:"urn:ietf:params:xml:ns:contact-1.0 update"`
	Other   []xAny          `xml:",any"`
}

type xPostal struct {
	Type   string   `xml:"type,attr"`
	Name   *string  `xml:"name"`
	Org    *string  `xml:"org"`
	Street []string `xml:"addr>street"`
	City   *string  `xml:"addr>city"`
	SP     *string  `xml:"addr>sp"`
	PC     *string  `xml:"addr>pc"`
	CC     *string  `xml:"addr>cc"`
}

type xPhone struct {
	X     string `xml:"x,attr"`
	Value string `xml:",chardata"`
}

type xContactCreate struct {
	ID         string    `xml:"id"`
	PostalInfo []xPostal `xml:"postalInfo"`
	Voice      *xPhone   `xml:"voice"`
	Fax        *xPhone   `xml:"fax"`
	Email      string    `xml:"email"`
	AuthPW     *string   `xml:"authInfo>pw"`
}

type xContactUpdate struct {
	ID  string `xml:"id"`
	Add *struct {
		Statuses []xStatus `xml:"status"`
	} `xml:"add"`
	Rem *struct {
		Statuses []xStatus `xml:"status"`
	} `xml:"rem"`
	Chg *struct {
		PostalInfo []xPostal `xml:"postalInfo"`
		Voice      *xPhone   `xml:"voice"`
		Fax        *xPhone   `xml:"fax"`
		Email      *string   `xml:"email"`
		AuthPW     *string   `xml:"authInfo>pw"`
	} `xml:"chg"`
}

// xExtension holds the command extensions the gateway implements; any other
// element is an unimplemented extension (2103).
type xExtension struct {
	LaunchCheck *struct {
		Type  string `xml:"type,attr"`
		Phase string `xml:"phase"`
	} `xml:"urn:ietf:params:xml:ns:launch-1.0 check"`
	LaunchCreate *struct {
		Type   string `xml:"type,attr"`
		Phase  string `xml:"phase"`
		Notice *struct {
			NoticeID     string `xml:"noticeID"`
			NotAfter     string `xml:"notAfter"`
			AcceptedDate string `xml:"acceptedDate"`
		} `xml:"notice"`
	} `xml:"urn:ietf:params:xml:ns:launch-1.0 create"`
	RGPUpdate *xRGPUpdate `xml:"urn:ietf:params:xml:ns:rgp-1.0 update"`
	Other     []xAny      `xml:",any"`
}

// xRGPUpdate is the RFC 3915 §4.2.5 extension of a domain update: a restore
// request, or a restore report.
type xRGPUpdate struct {
	Restore *struct {
		Op     string      `xml:"op,attr"`
		Report *xRGPReport `xml:"report"`
	} `xml:"restore"`
}

type xRGPReport struct {
	PreData    *xMixed  `xml:"preData"`
	PostData   *xMixed  `xml:"postData"`
	DelTime    string   `xml:"delTime"`
	ResTime    string   `xml:"resTime"`
	ResReason  *xMixed  `xml:"resReason"`
	Statements []xMixed `xml:"statement"`
	Other      *xMixed  `xml:"other"`
}

// xMixed is RFC 3915 mixed content: free text, or XML kept as sent.
type xMixed struct {
	Text  string `xml:",chardata"`
	Inner string `xml:",innerxml"`
}

// String answers the text, or the inner XML when elements (or comments or
// CDATA sections) are part of it.
func (x *xMixed) String() string {
	if x == nil {
		return ""
	}
	if strings.Contains(x.Inner, "<") {
		return strings.TrimSpace(x.Inner)
	}
	return strings.TrimSpace(x.Text)
}

// request is one decoded client frame: hello, or one command.
type request struct {
	hello  bool
	name   string // login, logout, poll, check, info, create, renew, update, delete, transfer
	cmd    *xCommand
	clTRID string
}

// Command names of request.name.
const (
	cmdLogin    = "login"
	cmdLogout   = "logout"
	cmdPoll     = "poll"
	cmdCheck    = "check"
	cmdInfo     = "info"
	cmdCreate   = "create"
	cmdRenew    = "renew"
	cmdUpdate   = "update"
	cmdDelete   = "delete"
	cmdTransfer = "transfer"
)

// syntaxError is the one refusal of a frame that is not an EPP instance.
func syntaxError(detail string) *core.Error {
	return core.Errorf(core.CodeMalformedRequest, "%s", detail)
}

// refuseDeclarations refuses markup declarations (DOCTYPE, ENTITY, ...)
// and processing instructions other than the XML declaration, on the raw
// bytes and before any parsing, so that nothing is ever expanded or loaded.
// Comments and CDATA sections are plain XML and allowed.
func refuseDeclarations(data []byte) error {
	rest := data
	for {
		i := bytes.IndexByte(rest, '<')
		if i < 0 || i+1 >= len(rest) {
			return nil
		}
		rest = rest[i+1:]
		switch rest[0] {
		case '!':
			if bytes.HasPrefix(rest, []byte("!--")) || bytes.HasPrefix(rest, []byte("![CDATA[")) {
				continue
			}
			return syntaxError("DOCTYPE and entity declarations are refused; nothing was expanded")
		case '?':
			if !bytes.HasPrefix(rest, []byte("?xml ")) && !bytes.HasPrefix(rest, []byte("?xml?")) {
				return syntaxError("processing instructions are refused")
			}
			if prefix := data[:len(data)-len(rest)-1]; len(prefix) > 0 && !bytes.Equal(prefix, utf8BOM) {
				return syntaxError("the XML declaration must start the instance")
			}
		}
	}
}

var utf8BOM = []byte{0xEF, 0xBB, 0xBF}

// decode parses one frame into a request. Every error is a core error with
// an EPP result code: 2001 for what is not an EPP instance, 2000 for an
// unknown command element.
func decode(data []byte) (*request, error) {
	if err := refuseDeclarations(data); err != nil {
		return nil, err
	}
	var doc xEPP
	d := xml.NewDecoder(bytes.NewReader(data))
	d.Strict = true
	d.Entity = nil // only the five predefined entities and character references
	if err := d.Decode(&doc); err != nil {
		return nil, syntaxError("the frame is not a well-formed EPP instance in the " + NSEPP + " namespace")
	}
	// Nothing but white space and comments may follow the root element.
	for {
		tok, err := d.Token()
		if err != nil {
			break
		}
		switch t := tok.(type) {
		case xml.CharData:
			if len(bytes.TrimSpace(t)) > 0 {
				return nil, syntaxError("text after the root element")
			}
		case xml.Comment:
		default:
			return nil, syntaxError("content after the root element")
		}
	}
	switch {
	case doc.Hello != nil && doc.Command == nil && len(doc.Other) == 0:
		return &request{hello: true}, nil
	case doc.Command != nil && doc.Hello == nil && len(doc.Other) == 0:
	default:
		return nil, syntaxError("an EPP client instance holds exactly one <hello> or <command>")
	}
	c := doc.Command
	r := &request{cmd: c}
	if c.ClTRID != nil {
		r.clTRID = strings.TrimSpace(*c.ClTRID)
	}
	var names []string
	for name, present := range map[string]bool{
		cmdLogin: c.Login != nil, cmdLogout: c.Logout != nil, cmdPoll: c.Poll != nil, cmdCheck: c.Check != nil,
		cmdInfo: c.Info != nil, cmdCreate: c.Create != nil, cmdRenew: c.Renew != nil, cmdUpdate: c.Update != nil,
		cmdDelete: c.Delete != nil, cmdTransfer: c.Transfer != nil,
	} {
		if present {
			names = append(names, name)
		}
	}
	// From here on the answer can echo the clTRID.
	for _, o := range c.Other {
		if o.XMLName.Space == NSEPP {
			return r, core.Errorf(core.CodeUnknownCommand, "<%s> is not an EPP command", truncate(o.XMLName.Local))
		}
		return r, syntaxError("unexpected element <" + truncate(o.XMLName.Local) + "> in <command>")
	}
	switch len(names) {
	case 0:
		return r, core.Errorf(core.CodeUnknownCommand, "the <command> holds no command element")
	case 1:
		r.name = names[0]
	default:
		return r, syntaxError("a <command> holds exactly one command element")
	}
	if r.clTRID != "" && (len(r.clTRID) < 3 || len(r.clTRID) > 64) {
		return r, core.Invalid("clTRID", "clTRID has 3 to 64 characters (RFC 5730 trIDStringType)")
	}
	return r, nil
}
