// Command auth0-deploy is the Bitbucket Pipelines pipe: it reads its
// configuration from the environment, runs, and exits with the run's code
// (0 success, 1 deployment failed, 2 invalid configuration or repository,
// 3 changes pending in plan mode with DETAILED_EXITCODE=true).
package main

import (
	"context"
	"fmt"
	"os"
	"os/signal"
	"syscall"

	"bitbucket.org/auth0-deploy/auth0-deploy/internal/app"
	"bitbucket.org/auth0-deploy/auth0-deploy/internal/config"
	"bitbucket.org/auth0-deploy/auth0-deploy/internal/version"
)

func main() {
	for _, a := range os.Args[1:] {
		switch a {
		case "--version", "-version", "version":
			fmt.Printf("%s %s\n", version.Name, version.Version)
			return
		case "--help", "-h", "-help", "help":
			fmt.Printf("%s %s: deploys Auth0 tenant configuration from a repository.\nConfigured by environment variables (see README.md): AUTH0_DOMAIN, AUTH0_CLIENT_ID, AUTH0_CLIENT_SECRET, MODE=deploy|plan|validate, ...\n", version.Name, version.Version)
			return
		default:
			fmt.Fprintf(os.Stderr, "%s: unknown argument %q (configuration comes from environment variables; try --help)\n", version.Name, a)
			os.Exit(app.ExitInvalid)
		}
	}
	os.Exit(run())
}

func run() int {
	cfg, problems := config.Load()
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if len(problems) > 0 {
		return app.RunInvalidConfig(ctx, cfg, problems, app.Deps{})
	}
	return app.Run(ctx, cfg, app.Deps{})
}
