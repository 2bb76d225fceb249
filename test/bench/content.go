package bench

import (
	"fmt"
	"slices"
)

// Content is what a scenario deploys, independent of any tool's layout:
// WritePipe and WriteDeployCLI write the same Content in each tool's own
// repository format.
type Content struct {
	Rules     []Rule
	Databases []Database
	Pages     []Page
	Actions   []Action // all post-login, bound in Order
}

// Rule is one rule (stage login_success).
type Rule struct {
	Name    string
	Script  string
	Order   int
	Enabled bool
}

// Database is a custom database connection (strategy auth0) and its
// scripts, by script name.
type Database struct {
	Name    string
	Scripts map[string]string
}

// Page is a hosted page: login, password_reset, guardian_multifactor or
// error_page.
type Page struct {
	Name    string
	HTML    string
	Enabled bool
}

// Action is a post-login action, deployed and bound at Order.
type Action struct {
	Name  string
	Code  string
	Order int
}

// Trigger every generated action is bound to, and its version.
const (
	Trigger        = "post-login"
	TriggerVersion = "v3"
	Runtime        = "node22"
)

// Sizes of the generated content. The scenario is the default.
type Sizes struct {
	Rules     int
	Databases int
	Actions   int
}

// DefaultSizes: 100 rules, 10 database connections with all scripts,
// 4 pages, 20 actions.
var DefaultSizes = Sizes{Rules: 100, Databases: 10, Actions: 20}

// DatabaseScripts are the scripts both tools accept (auth0-deploy-cli
// rejects change_username and change_phone_number), in a fixed order.
var DatabaseScripts = []string{"login", "get_user", "create", "verify", "change_password", "delete", "change_email"}

// scriptSignatures are each database script's function, as Auth0's
// templates name them ("delete" is a JavaScript keyword).
var scriptSignatures = map[string]string{
	"login":           "login(email, password, callback)",
	"get_user":        "getByEmail(email, callback)",
	"create":          "create(user, callback)",
	"verify":          "verify(email, callback)",
	"change_password": "changePassword(email, newPassword, callback)",
	"delete":          "remove(id, callback)",
	"change_email":    "changeEmail(email, newEmail, verified, callback)",
}

// PageNames are the four hosted pages.
var PageNames = []string{"login", "password_reset", "guardian_multifactor", "error_page"}

// Generate builds the content of the given sizes: rules ordered 1..n,
// every database with every script, the four pages enabled, actions bound
// in order.
func Generate(s Sizes) Content {
	var c Content
	for i := 1; i <= s.Rules; i++ {
		c.Rules = append(c.Rules, Rule{Name: RuleName(i), Script: ruleScript(i, 0), Order: i, Enabled: true})
	}
	for i := 1; i <= s.Databases; i++ {
		db := Database{Name: DatabaseName(i), Scripts: map[string]string{}}
		for _, sc := range DatabaseScripts {
			db.Scripts[sc] = fmt.Sprintf("function %s {\n  // bench database %d, script %s\n  callback(new Error('not implemented: %s'));\n}\n", scriptSignatures[sc], i, sc, sc)
		}
		c.Databases = append(c.Databases, db)
	}
	for _, p := range PageNames {
		c.Pages = append(c.Pages, Page{Name: p, Enabled: true,
			HTML: fmt.Sprintf("<!DOCTYPE html>\n<html>\n<head><title>bench %s</title></head>\n<body><h1>bench %s page</h1></body>\n</html>\n", p, p)})
	}
	for i := 1; i <= s.Actions; i++ {
		c.Actions = append(c.Actions, Action{Name: ActionName(i), Order: i,
			Code: fmt.Sprintf("exports.onExecutePostLogin = async (event, api) => {\n  api.idToken.setCustomClaim('https://bench.example.com/a%03d', %d);\n};\n", i, i)})
	}
	return c
}

// RuleName, DatabaseName and ActionName name the i-th generated item.
func RuleName(i int) string     { return fmt.Sprintf("bench-rule-%03d", i) }
func DatabaseName(i int) string { return fmt.Sprintf("bench-db-%02d", i) }
func ActionName(i int) string   { return fmt.Sprintf("bench-action-%03d", i) }

func ruleScript(i, revision int) string {
	return fmt.Sprintf("function (user, context, callback) {\n  // bench rule %d, revision %d\n  context.idToken['https://bench.example.com/r%03d'] = %d;\n  callback(null, user, context);\n}\n", i, revision, i, revision)
}

// Clone returns a deep copy of c.
func (c Content) Clone() Content {
	out := Content{
		Rules:   slices.Clone(c.Rules),
		Pages:   slices.Clone(c.Pages),
		Actions: slices.Clone(c.Actions),
	}
	for _, db := range c.Databases {
		scripts := make(map[string]string, len(db.Scripts))
		for k, v := range db.Scripts {
			scripts[k] = v
		}
		out.Databases = append(out.Databases, Database{Name: db.Name, Scripts: scripts})
	}
	return out
}

// ChangeOneRule returns c with the script of its middle rule changed.
func ChangeOneRule(c Content) Content {
	out := c.Clone()
	if len(out.Rules) == 0 {
		return out
	}
	i := len(out.Rules) / 2
	out.Rules[i].Script = ruleScript(i+1, 1)
	return out
}

// ReverseRuleOrders returns c with the rules' orders reversed: the rule at
// the lowest order takes the highest and so on.
func ReverseRuleOrders(c Content) Content {
	out := c.Clone()
	orders := make([]int, len(out.Rules))
	for i, r := range out.Rules {
		orders[i] = r.Order
	}
	slices.Sort(orders)
	byOrder := slices.Clone(out.Rules)
	slices.SortFunc(byOrder, func(a, b Rule) int { return a.Order - b.Order })
	next := map[string]int{}
	for i, r := range byOrder {
		next[r.Name] = orders[len(orders)-1-i]
	}
	for i := range out.Rules {
		out.Rules[i].Order = next[out.Rules[i].Name]
	}
	return out
}
