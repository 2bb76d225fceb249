package workspace

import (
	"encoding/json"
	"strings"
	"testing"
	"testing/fstest"
)

// TestProblemsNeverShowKeywordValues puts known values in every mapping and
// uses them in every kind of file, malformed so that each file yields a
// problem right where the value was inserted; no problem may show any part
// of a value.
func TestProblemsNeverShowKeywordValues(t *testing.T) {
	const stem = "c4n4ry"
	mappings := map[string]any{
		"API_KEY": stem + "-api-key-5d1c",
		"ORDER":   stem + "_order",
		"CODE":    "1 " + stem + "_code_6f2b",
		"QUOTE":   `x" ` + stem + `_q: "`,
		"OBJ":     map[string]any{"k": stem + "-nested"},
		"NUM":     json.Number("12345"),
	}
	fsys := fstest.MapFS{
		"rules-configs/API_KEY.json": file(`{"value": "##API_KEY##"}`),
		"rules-configs/BROKEN.json":  file(`{"value": "##QUOTE##"}`),
		"rules-configs/KEYS.json":    file(`{"##ORDER##": 1, "value": "x", "##ORDER##": 2}`),
		"rules/a.js":                 file("function (user, context, callback) {\n  var key = ##CODE##;\n}\n"),
		"rules/a.json":               file(`{"order": ##ORDER##, "##API_KEY##": true}`),
		"rules/b.js":                 file("function (user, context, callback) {\n  var k = '##API_KEY##' @@API_KEY@@;\n}\n"),
		"rules/c.js":                 file("function (user, context, callback) {\n  let ##ORDER## = 1; let ##ORDER## = 2;\n}\n"),
		"rules/c.json":               file(`{"stage": "##ORDER##", "enabled": "@@ORDER@@", "order": @@NUM@@}`),
		"actions/x.js":               file("exports.onExecutePostLogin = async (event, api) => { @@OBJ@@ @@OBJ@@ };\n"),
		"actions/x.json": file(`{"trigger": "##ORDER##", "runtime": "##ORDER##", "secrets": ["API_KEY", "##ORDER##", "##ORDER##", "OBJ"],
			"dependencies": {"##ORDER##": "@@ORDER@@", "ok": "##ORDER##", "ok2": @@NUM@@}, "order": "##ORDER##"}`),
		"pages/login.html":                 file("<title>##API_KEY##</title>"),
		"pages/login.json":                 file(`{"enabled": ##API_KEY##}`),
		"pages/error_page.html":            file("x"),
		"pages/error_page.json":            file(`{"url": "##CODE##", "##ORDER##": 1}`),
		"database-connections/db/login.js": file("function login(email, password, callback) {\n  callback(null, ##CODE##);\n}\n"),
	}
	_, ps := Read(fsys, Options{Mappings: mappings, LookupEnv: func(string) (string, bool) { return stem + "-env", true }, RequireSecretValues: true})
	if errs, _ := ps.Count(); errs < 15 {
		t.Fatalf("only %d errors; the files are malformed on purpose:\n%s", errs, strings.Join(lines(ps), "\n"))
	}
	for _, l := range lines(ps) {
		if strings.Contains(l, stem) || strings.Contains(l, "5d1c") || strings.Contains(l, "12345") {
			t.Errorf("problem shows a keyword value: %s", l)
		}
	}
}
