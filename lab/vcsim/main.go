// Command vcsim-lab runs the cloudmove.vcda lab vCenter: govmomi's VPX
// simulator model with the lookup service and STS endpoints, served over TLS
// on a loopback address with a certificate made per lab by lab/vcsim.sh.
//
// On top of the vSphere API it serves a few lab-only endpoints under /_lab/
// (never part of a real vCenter):
//
//	GET    /_lab/faults/nfc     current NFC fault injection state
//	POST   /_lab/faults/nfc     {"reset_after_bytes": N, "count": 1, "target": ""}
//	PUT    /_lab/faults/nfc     {"seed": 1, "error503Rate": 0.04, "resetRate": 0.03,
//	                             "lastByteResetRate": 0.03, "retryAfter": 1, "latencyMs": 20}
//	DELETE /_lab/faults/nfc     clear NFC fault injection (both kinds)
//	GET    /_lab/nfc/uploads    bytes received per NFC lease and device
//	DELETE /_lab/nfc/uploads    forget the recorded transfers
//	GET    /_lab/info           inventory counts and credentials user name
//	GET    /_lab/guestinfo      what each simulated guest publishes in extraConfig at boot
//	PUT    /_lab/guestinfo      {"ip": "127.0.1.11", "extraConfig": {"guestinfo.cloud.certificate": "..."}}
//	DELETE /_lab/guestinfo      forget every registration (?ip= one); VMs keep their values
//
// It is built by lab/vcsim.sh against a patched copy of Debian's govmomi
// 0.24 (see lab/vcsim/patches/ and lab/README.md).
package main

import (
	"crypto/tls"
	"encoding/json"
	"flag"
	"fmt"
	"io/ioutil"
	"log"
	"math/rand"
	"net"
	"net/http"
	"net/url"
	"os"
	"os/signal"
	"strings"
	"sync"
	"syscall"
	"time"

	_ "github.com/vmware/govmomi/lookup/simulator"
	"github.com/vmware/govmomi/simulator"
	_ "github.com/vmware/govmomi/sts/simulator"
)

// nfcFaults is the lab-only NFC fault injection state: armed resets (the
// next Count uploads) and seeded rates (a share of every upload), as the lab's
// emulators inject faults (lab/emulators/common/faults.py): each upload draws
// one number from a rand.Rand seeded with Seed, so the same sequence of
// uploads meets the same faults.
type nfcFaults struct {
	mu              sync.Mutex
	ResetAfterBytes int64  `json:"reset_after_bytes"`
	Count           int    `json:"count"`
	Target          string `json:"target,omitempty"`
	Fired           int    `json:"fired"`

	rates   *nfcRates
	rng     *rand.Rand
	matched int
	kinds   map[string]int
}

// nfcRates is the seeded part of the NFC faults (PUT /_lab/faults/nfc with a seed).
type nfcRates struct {
	Seed int64 `json:"seed"`
	// shares of the uploads answered 503 (after the body), reset at a random
	// byte, reset after their last byte (no reply)
	Error503Rate      float64 `json:"error503Rate"`
	ResetRate         float64 `json:"resetRate"`
	LastByteResetRate float64 `json:"lastByteResetRate"`
	RetryAfter        int     `json:"retryAfter"`
	LatencyMs         int     `json:"latencyMs"`
	// Limit stops injecting after this many faults (0: no limit).
	Limit int `json:"limit"`
}

func (f *nfcFaults) snapshot() map[string]interface{} {
	f.mu.Lock()
	defer f.mu.Unlock()
	kinds := map[string]int{}
	injected := 0
	for k, v := range f.kinds {
		kinds[k] = v
		injected += v
	}
	return map[string]interface{}{
		"reset_after_bytes": f.ResetAfterBytes,
		"count":             f.Count,
		"target":            f.Target,
		"fired":             f.Fired,
		"armed":             f.Count > 0,
		"rates":             f.rates,
		"matched":           f.matched,
		"injected":          injected,
		"kinds":             kinds,
	}
}

// next is called by the patched NFC handler before each upload: an armed
// reset first, else what the seeded rates draw for this upload.
func (f *nfcFaults) next(r *http.Request, target string) simulator.LabNfcFault {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.Count > 0 && (f.Target == "" || strings.Contains(target, f.Target) || strings.Contains(r.URL.Path, f.Target)) {
		f.Count--
		f.Fired++
		return simulator.LabNfcFault{Reset: true, ResetAfter: f.ResetAfterBytes}
	}
	rates := f.rates
	if rates == nil {
		return simulator.LabNfcFault{}
	}
	f.matched++
	fault := simulator.LabNfcFault{Latency: time.Duration(rates.LatencyMs) * time.Millisecond}
	draw := f.rng.Float64()
	injected := 0
	for _, v := range f.kinds {
		injected += v
	}
	if rates.Limit > 0 && injected >= rates.Limit {
		return fault
	}
	kind := ""
	switch {
	case draw < rates.Error503Rate:
		kind = "nfc503"
		fault.Status = http.StatusServiceUnavailable
		fault.RetryAfter = rates.RetryAfter
	case draw < rates.Error503Rate+rates.ResetRate:
		kind = "nfcReset"
		fault.Reset = true
		if r.ContentLength > 0 {
			fault.ResetAfter = f.rng.Int63n(r.ContentLength)
		}
	case draw < rates.Error503Rate+rates.ResetRate+rates.LastByteResetRate:
		kind = "nfcLastByteReset"
		fault.Reset = true
		fault.ResetAfter = 1 << 62
	}
	if kind != "" {
		f.kinds[kind]++
		log.Printf("lab: NFC fault %s for %s (%s)", kind, target, r.URL.Path)
	}
	return fault
}

func writeJSON(w http.ResponseWriter, status int, v interface{}) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	_ = enc.Encode(v)
}

func (f *nfcFaults) configureRates(w http.ResponseWriter, body []byte) {
	rates := &nfcRates{RetryAfter: 1}
	dec := json.NewDecoder(strings.NewReader(string(body)))
	dec.DisallowUnknownFields()
	if err := dec.Decode(rates); err != nil {
		writeJSON(w, http.StatusBadRequest, map[string]string{"error": "invalid JSON: " + err.Error()})
		return
	}
	for name, v := range map[string]float64{"error503Rate": rates.Error503Rate, "resetRate": rates.ResetRate,
		"lastByteResetRate": rates.LastByteResetRate} {
		if v < 0 || v > 1 {
			writeJSON(w, http.StatusBadRequest, map[string]string{"error": name + " must be between 0 and 1"})
			return
		}
	}
	if rates.Error503Rate+rates.ResetRate+rates.LastByteResetRate > 1 {
		writeJSON(w, http.StatusBadRequest, map[string]string{"error": "the fault rates must not add up to more than 1"})
		return
	}
	if rates.RetryAfter < 0 || rates.RetryAfter > 3600 || rates.LatencyMs < 0 || rates.LatencyMs > 60000 || rates.Limit < 0 {
		writeJSON(w, http.StatusBadRequest, map[string]string{
			"error": "retryAfter must be 0..3600, latencyMs 0..60000, limit >= 0"})
		return
	}
	f.mu.Lock()
	f.rates = rates
	f.rng = rand.New(rand.NewSource(rates.Seed))
	f.matched = 0
	f.kinds = map[string]int{}
	f.mu.Unlock()
	log.Printf("lab: NFC fault rates set: seed %d, 503 %.3f, reset %.3f, last-byte reset %.3f, latency %d ms",
		rates.Seed, rates.Error503Rate, rates.ResetRate, rates.LastByteResetRate, rates.LatencyMs)
	writeJSON(w, http.StatusOK, f.snapshot())
}

func (f *nfcFaults) serve(w http.ResponseWriter, r *http.Request) {
	switch r.Method {
	case http.MethodGet:
		writeJSON(w, http.StatusOK, f.snapshot())
	case http.MethodPost, http.MethodPut:
		body, err := ioutil.ReadAll(http.MaxBytesReader(w, r.Body, 1<<16))
		var probe map[string]json.RawMessage
		if err == nil {
			err = json.Unmarshal(body, &probe)
		}
		if err != nil {
			writeJSON(w, http.StatusBadRequest, map[string]string{"error": "invalid JSON: " + err.Error()})
			return
		}
		if _, seeded := probe["seed"]; seeded {
			f.configureRates(w, body)
			return
		}
		var req struct {
			ResetAfterBytes *int64 `json:"reset_after_bytes"`
			Count           *int   `json:"count"`
			Target          string `json:"target"`
		}
		if err := json.Unmarshal(body, &req); err != nil {
			writeJSON(w, http.StatusBadRequest, map[string]string{"error": "invalid JSON: " + err.Error()})
			return
		}
		if req.ResetAfterBytes == nil || *req.ResetAfterBytes < 0 {
			writeJSON(w, http.StatusBadRequest, map[string]string{"error": "reset_after_bytes (>= 0) is required"})
			return
		}
		count := 1
		if req.Count != nil {
			count = *req.Count
		}
		if count < 1 {
			writeJSON(w, http.StatusBadRequest, map[string]string{"error": "count must be >= 1"})
			return
		}
		f.mu.Lock()
		f.ResetAfterBytes = *req.ResetAfterBytes
		f.Count = count
		f.Target = req.Target
		f.Fired = 0
		f.mu.Unlock()
		log.Printf("lab: NFC fault armed: reset after %d bytes, %d upload(s), target %q", *req.ResetAfterBytes, count, req.Target)
		writeJSON(w, http.StatusOK, f.snapshot())
	case http.MethodDelete:
		f.mu.Lock()
		f.Count = 0
		f.ResetAfterBytes = 0
		f.Target = ""
		f.rates = nil
		f.rng = nil
		f.mu.Unlock()
		log.Printf("lab: NFC faults cleared")
		writeJSON(w, http.StatusOK, f.snapshot())
	default:
		writeJSON(w, http.StatusMethodNotAllowed, map[string]string{"error": "use GET, POST or DELETE"})
	}
}

// serveGuestInfo registers what the simulated appliance guest with a given
// address writes into its VM's extraConfig at boot (simulator/lab_guestinfo.go).
func serveGuestInfo(w http.ResponseWriter, r *http.Request) {
	switch r.Method {
	case http.MethodGet:
		writeJSON(w, http.StatusOK, map[string]interface{}{"guests": simulator.LabGuestInfoAll()})
	case http.MethodPut, http.MethodPost:
		var req struct {
			IP          string            `json:"ip"`
			ExtraConfig map[string]string `json:"extraConfig"`
		}
		body, err := ioutil.ReadAll(http.MaxBytesReader(w, r.Body, 1<<20))
		if err == nil {
			err = json.Unmarshal(body, &req)
		}
		if err != nil {
			writeJSON(w, http.StatusBadRequest, map[string]string{"error": "invalid JSON: " + err.Error()})
			return
		}
		if net.ParseIP(req.IP) == nil {
			writeJSON(w, http.StatusBadRequest, map[string]string{"error": "ip: an IP address is required"})
			return
		}
		if len(req.ExtraConfig) == 0 {
			writeJSON(w, http.StatusBadRequest, map[string]string{"error": "extraConfig: at least one key is required"})
			return
		}
		for key, value := range req.ExtraConfig {
			if !strings.HasPrefix(key, "guestinfo.") || value == "" {
				writeJSON(w, http.StatusBadRequest, map[string]string{
					"error": "extraConfig: keys must start with 'guestinfo.' and values must not be empty: " + key})
				return
			}
		}
		updated := simulator.LabGuestInfoSet(req.IP, req.ExtraConfig)
		log.Printf("lab: guest %s publishes %d guestinfo key(s); updated VMs %v", req.IP, len(req.ExtraConfig), updated)
		writeJSON(w, http.StatusOK, map[string]interface{}{"ip": req.IP, "updated": updated})
	case http.MethodDelete:
		simulator.LabGuestInfoForget(r.URL.Query().Get("ip"))
		writeJSON(w, http.StatusOK, map[string]interface{}{"registered": len(simulator.LabGuestInfoAll())})
	default:
		writeJSON(w, http.StatusMethodNotAllowed, map[string]string{"error": "use GET, PUT or DELETE"})
	}
}

func serveUploads(w http.ResponseWriter, r *http.Request) {
	switch r.Method {
	case http.MethodGet:
		writeJSON(w, http.StatusOK, simulator.LabNfcReport())
	case http.MethodDelete:
		simulator.LabNfcReset()
		writeJSON(w, http.StatusOK, simulator.LabNfcReport())
	default:
		writeJSON(w, http.StatusMethodNotAllowed, map[string]string{"error": "use GET or DELETE"})
	}
}

func main() {
	listen := flag.String("listen", "127.0.0.1:8989", "loopback address:port to listen on")
	certFile := flag.String("cert", "", "PEM certificate file (required)")
	keyFile := flag.String("key", "", "PEM private key file (required)")
	username := flag.String("username", "administrator@vsphere.local", "user name accepted by SessionManager.Login")
	password := flag.String("password", "", "password accepted by SessionManager.Login (required)")
	passwordFile := flag.String("password-file", "", "read the password from this file instead of -password")
	datacenters := flag.Int("dc", 1, "datacenters (DC0, DC1, ...)")
	clusters := flag.Int("cluster", 1, "clusters per datacenter (DCn_C0, ...)")
	clusterHosts := flag.Int("cluster-host", 3, "hosts per cluster (DCn_Cm_H0, ...)")
	hosts := flag.Int("host", 1, "standalone hosts per datacenter (DCn_H0, ...)")
	datastores := flag.Int("ds", 2, "datastores (LocalDS_0, LocalDS_1, ...)")
	portgroups := flag.Int("pg", 2, "distributed port groups per datacenter (DCn_DVPG0, ...) on switch DCn_DVS")
	pidFile := flag.String("pidfile", "", "write the process id to this file once serving")
	machines := flag.Int("vm", 2, "VMs per host and per cluster resource pool (DC0_H0_VM0, DC0_C0_RP0_VM0, ...)")
	flag.Parse()

	log.SetFlags(log.LstdFlags | log.Lmicroseconds)

	if *passwordFile != "" {
		b, err := ioutil.ReadFile(*passwordFile)
		if err != nil {
			log.Fatalf("reading password file: %s", err)
		}
		*password = strings.TrimRight(string(b), "\r\n")
	}
	if *certFile == "" || *keyFile == "" || *password == "" {
		fmt.Fprintln(os.Stderr, "vcsim-lab: -cert, -key and -password (or -password-file) are required")
		flag.Usage()
		os.Exit(2)
	}
	host, _, err := net.SplitHostPort(*listen)
	if err != nil {
		log.Fatalf("invalid -listen %q: %s", *listen, err)
	}
	if ip := net.ParseIP(host); ip == nil || !ip.IsLoopback() {
		log.Fatalf("-listen must be a loopback IP address:port, got %q", *listen)
	}

	cert, err := tls.LoadX509KeyPair(*certFile, *keyFile)
	if err != nil {
		log.Fatalf("loading certificate: %s", err)
	}

	model := simulator.VPX()
	model.Datacenter = *datacenters
	model.Cluster = *clusters
	model.ClusterHost = *clusterHosts
	model.Host = *hosts
	model.Datastore = *datastores
	model.Portgroup = *portgroups
	model.Machine = *machines

	if err := model.Create(); err != nil {
		log.Fatalf("creating inventory: %s", err)
	}

	faults := &nfcFaults{kinds: map[string]int{}}
	simulator.LabNfcUploadFault = faults.next

	model.Service.Listen = &url.URL{Host: *listen, User: url.UserPassword(*username, *password)}
	model.Service.TLS = &tls.Config{Certificates: []tls.Certificate{cert}}
	model.Service.RegisterEndpoints = true
	model.Service.HandleFunc("/_lab/faults/nfc", faults.serve)
	model.Service.HandleFunc("/_lab/nfc/uploads", serveUploads)
	model.Service.HandleFunc("/_lab/guestinfo", serveGuestInfo)
	model.Service.HandleFunc("/_lab/info", func(w http.ResponseWriter, r *http.Request) {
		writeJSON(w, http.StatusOK, map[string]interface{}{
			"username":  *username,
			"listen":    *listen,
			"inventory": model.Count(),
		})
	})

	server := model.Service.NewServer()
	if *pidFile != "" {
		if err := ioutil.WriteFile(*pidFile, []byte(fmt.Sprintf("%d\n", os.Getpid())), 0644); err != nil {
			log.Fatalf("writing pid file: %s", err)
		}
	}
	log.Printf("vcsim-lab listening on %s (user %s)", server.URL.Host, *username)
	// The start script waits for this line on stdout.
	fmt.Printf("VCSIM_LAB_READY https://%s/sdk\n", server.URL.Host)

	sig := make(chan os.Signal, 1)
	signal.Notify(sig, syscall.SIGINT, syscall.SIGTERM)
	s := <-sig
	log.Printf("vcsim-lab: %s, shutting down", s)
	server.Close()
	model.Remove()
}
