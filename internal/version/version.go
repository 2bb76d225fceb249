// Package version holds the pipe's version, stamped at build time with
// -ldflags "-X .../internal/version.Version=X.Y.Z".
package version

// Version of the pipe; "dev" for a plain `go build`.
var Version = "dev"

// Name of the tool as reports and User-Agent headers show it.
const Name = "auth0-deploy"
