//go:build tools

package tools
import (
 _ "github.com/auth0/go-auth0/management"
 _ "github.com/kelseyhightower/envconfig"
 _ "github.com/rs/zerolog"
 _ "github.com/slack-go/slack"
 _ "github.com/stretchr/testify/assert"
 _ "github.com/evanw/esbuild/pkg/api"
 _ "golang.org/x/sync/errgroup"
 _ "gopkg.in/yaml.v3"
 _ "github.com/santhosh-tekuri/jsonschema/v6"
)

