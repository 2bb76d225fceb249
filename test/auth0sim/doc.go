// Package auth0sim is a stateful, in-memory stand-in for the Auth0 Management
// API (the parts a deployment pipe touches: rules, rules configs, connections,
// clients, tenant settings, actions, triggers and bindings, the Universal Login
// template) plus the client-credentials token endpoint.
//
// It is strict where the real API is strict, because a lenient fake hides
// exactly the faults that hurt users: rules answer 409 on a duplicate order,
// PATCH /connections replaces options wholesale, actions cannot be deployed
// before they are built, listings come back in pages, and every error body has
// Auth0's {statusCode, error, message, errorCode} shape.
//
// Use it in-process:
//
//	sim := auth0sim.New(auth0sim.Options{BuildDelay: 0})
//	base := sim.Start(t) // httptest server, closed by t.Cleanup
//	... point the code under test at base ...
//	writes := sim.APIWrites() // what was written, in order
//
// or standalone with `go run ./test/cmd/auth0sim` (see docs/auth0sim.md).
//
// Operational knobs: rate-limit profiles (token buckets with real
// x-ratelimit-* headers), per-request latency, an injectable clock, a build
// delay for actions, "rules end of life", scope checks and fault injection.
// A control API under /_sim/ reads and replaces the tenant state, reads and
// clears the request log and injects faults.
package auth0sim
