// Command evtharness runs the Kairos agent's own code against an edgevpn daemon, for the interop
// tests. scripts/build-kairos-harness.sh copies it into a copy of provider-kairos v2.16.4 (as
// internal/evtharness: the role code is internal to that module) and builds it there.
//
//	evtharness roles --api unix:///path.sock --uuid U [--min-nodes 3]
//	    provider-kairos's role.Auto (leader election and role scheduling) driven by edgevpn's own
//	    service.Node loop and Go API client. The master and worker roles stand in for the k3s ones:
//	    they make the same ledger calls (ip, role, nodetoken, kubeconfig, master ip) and print one
//	    JSON line when done, without installing anything.
//	evtharness role-list --api ...        the ledger calls and table of `kairos role list`
//	evtharness get-kubeconfig --api ...   the ledger calls and output of `kairos get-kubeconfig`
//	evtharness setup-vpn --root DIR --api ADDR --token T [--env K=V]...
//	    provider-kairos's SetupVPN: writes the edgevpn@kairos unit and its env file under DIR.
package main

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"flag"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"

	logging "github.com/ipfs/go-log"
	sdkConfig "github.com/kairos-io/kairos-sdk/types/config"
	sdkUtils "github.com/kairos-io/kairos-sdk/utils"
	"github.com/kairos-io/provider-kairos/v2/internal/provider"
	providerConfig "github.com/kairos-io/provider-kairos/v2/internal/provider/config"
	"github.com/kairos-io/provider-kairos/v2/internal/role"
	"github.com/kairos-io/provider-kairos/v2/internal/services"
	edgeVPNClient "github.com/mudler/edgevpn/api/client"
	"github.com/mudler/edgevpn/api/client/service"
)

// The k3s files a real master reads and publishes; the workers check what arrives.
const (
	fakeNodeToken  = "K10evtharness::server:node-token"
	fakeKubeconfig = "apiVersion: v1\nclusters:\n- cluster:\n    server: https://127.0.0.1:6443\n  name: default\n"
)

type envFlags map[string]string

func (e envFlags) String() string { return fmt.Sprint(map[string]string(e)) }
func (e envFlags) Set(text string) error {
	key, value, ok := strings.Cut(text, "=")
	if !ok {
		return fmt.Errorf("--env wants KEY=VALUE, got %q", text)
	}
	e[key] = value
	return nil
}

func main() {
	if len(os.Args) < 2 {
		fmt.Fprintln(os.Stderr, "usage: evtharness roles|role-list|get-kubeconfig|setup-vpn [flags]")
		os.Exit(2)
	}
	command := flag.NewFlagSet(os.Args[1], flag.ExitOnError)
	api := command.String("api", "", "the daemon's API address (unix:///path or host:port)")
	uuid := command.String("uuid", "", "this agent's machine UUID")
	networkID := command.String("network-id", "kairos", "Kairos network ID (prefix of the ledger buckets)")
	minNodes := command.Int("min-nodes", 2, "p2p.minimum_nodes")
	root := command.String("root", "", "root directory to write into (setup-vpn)")
	token := command.String("token", "", "network token (setup-vpn)")
	env := envFlags{}
	command.Var(env, "env", "p2p.vpn.env entry KEY=VALUE (setup-vpn; repeatable)")
	_ = command.Parse(os.Args[2:])

	client := service.NewClient(*networkID, edgeVPNClient.NewClient(edgeVPNClient.WithHost(*api)))
	var err error
	switch os.Args[1] {
	case "roles":
		err = runRoles(client, *uuid, *minNodes)
	case "role-list":
		roleList(client)
	case "get-kubeconfig":
		getKubeconfig(client)
	case "setup-vpn":
		config := &providerConfig.Config{P2P: &providerConfig.P2P{NetworkToken: *token, VPN: providerConfig.VPN{Env: env}}}
		err = provider.SetupVPN(services.EdgeVPNDefaultInstance, *api, *root, false, config)
	default:
		err = fmt.Errorf("unknown command %q", os.Args[1])
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "evtharness:", err)
		os.Exit(1)
	}
}

// report prints one JSON line per event kind, once.
var reported sync.Map

func report(event string, fields map[string]string) {
	if _, done := reported.LoadOrStore(event, true); done {
		return
	}
	fields["event"] = event
	line, _ := json.Marshal(fields)
	fmt.Println(string(line))
}

func runRoles(client *service.Client, uuid string, minNodes int) error {
	pconfig := &providerConfig.Config{P2P: &providerConfig.P2P{MinimumNodes: minNodes}}
	node, err := service.NewNode(
		service.WithMinNodes(minNodes),
		service.WithLogger(logging.Logger("evtharness")),
		service.WithClient(client),
		service.WithUUID(uuid),
		service.WithStateDir(filepath.Join(os.TempDir(), "evtharness-"+uuid)),
		service.WithNetworkToken("unused: the daemon holds the token"),
		service.WithPersistentRoles("auto"),
		service.WithRoles(
			service.RoleKey{Role: "master", RoleHandler: master("master")},
			service.RoleKey{Role: "worker", RoleHandler: worker},
			service.RoleKey{Role: "auto", RoleHandler: role.Auto(&sdkConfig.Config{}, pconfig)},
		),
	)
	if err != nil {
		return err
	}
	return node.Start(context.Background())
}

// master makes the ledger calls of provider-kairos's Master and propagateMasterData.
func master(roleName string) func(*service.RoleConfig) error {
	return func(c *service.RoleConfig) error {
		ip := sdkUtils.GetInterfaceIP("edgevpn0")
		if ip == "" {
			return fmt.Errorf("node doesn't have an ip yet")
		}
		if err := c.Client.Set("ip", c.UUID, ip); err != nil {
			return err
		}
		if err := c.Client.Set("role", c.UUID, roleName); err != nil {
			return err
		}
		if err := c.Client.Set("nodetoken", "token", fakeNodeToken); err != nil {
			return err
		}
		if err := c.Client.Set("kubeconfig", "master", base64.RawURLEncoding.EncodeToString([]byte(fakeKubeconfig))); err != nil {
			return err
		}
		if err := c.Client.Set("master", "ip", ip); err != nil {
			return err
		}
		report("master", map[string]string{"uuid": c.UUID, "ip": ip})
		return nil
	}
}

// worker makes the ledger calls of provider-kairos's Worker and reports what it would join.
func worker(c *service.RoleConfig) error {
	masterIP, _ := c.Client.Get("master", "ip")
	if masterIP == "" {
		return nil
	}
	ip := sdkUtils.GetInterfaceIP("edgevpn0")
	if ip != "" {
		if err := c.Client.Set("ip", c.UUID, ip); err != nil {
			return err
		}
	}
	nodeToken, _ := c.Client.Get("nodetoken", "token")
	if nodeToken == "" || ip == "" {
		// the real worker joins k3s without an IP of its own; the test waits for it
		return nil
	}
	report("worker", map[string]string{"uuid": c.UUID, "ip": ip, "masterIP": masterIP, "nodeToken": nodeToken})
	return nil
}

// roleList prints what `kairos role list` prints, from the same calls.
func roleList(client *service.Client) {
	advertizing, _ := client.AdvertizingNodes()
	fmt.Printf("%-47s  %-30s  %-15s\n", "Node", "Role", "IP")
	for _, uuid := range advertizing {
		roleName, _ := client.Get("role", uuid)
		ip, _ := client.Get("ip", uuid)
		fmt.Printf("%-47s  %-30s  %-15s\n", uuid, roleName, ip)
	}
}

// getKubeconfig prints what `kairos get-kubeconfig` prints, from the same calls.
func getKubeconfig(client *service.Client) {
	encoded, _ := client.Get("kubeconfig", "master")
	kubeconfig, _ := base64.RawURLEncoding.DecodeString(encoded)
	masterIP, _ := client.Get("master", "ip")
	fmt.Println(strings.ReplaceAll(string(kubeconfig), "127.0.0.1", masterIP))
}
