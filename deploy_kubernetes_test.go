package main

// The Kubernetes manifests in deploy/kubernetes, parsed and checked against the ConfigMap's
// config and the Dockerfile: probes, stop timing, disruption budget, Pod Security.

import (
	"maps"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/go-programming-tour-book/blog-service/internal/setting"
)

// kubeObjects reads every manifest in deploy/kubernetes, by kind: one object of each.
func kubeObjects(t *testing.T) map[string]map[string]any {
	t.Helper()
	files, err := filepath.Glob(filepath.Join("deploy", "kubernetes", "*.yaml"))
	if err != nil || len(files) == 0 {
		t.Fatalf("no manifests in deploy/kubernetes: %v", err)
	}
	byKind := map[string]map[string]any{}
	for _, f := range files {
		for _, doc := range yamlDocs(t, f) {
			kind, _ := doc["kind"].(string)
			if byKind[kind] != nil {
				t.Fatalf("%s: a second %s; these tests expect one object of each kind", f, kind)
			}
			byKind[kind] = doc
		}
	}
	return byKind
}

// podSpecs returns the pod spec of every workload (Deployment, Job...), by kind.
func podSpecs(objs map[string]map[string]any) map[string]any {
	pods := map[string]any{}
	for kind, obj := range objs {
		if pod := dig(obj, "spec", "template", "spec"); pod != nil {
			pods[kind] = pod
		}
	}
	return pods
}

// containers returns a pod's init containers and containers: the kubelet runs both.
func containers(pod any) []any {
	inits, _ := dig(pod, "initContainers").([]any)
	regular, _ := dig(pod, "containers").([]any)
	return append(slices.Clone(inits), regular...)
}

// securityValue is a container's security setting as the kubelet applies it: the
// container's own, or else the pod's.
func securityValue(pod, container any, path ...any) any {
	path = append([]any{"securityContext"}, path...)
	if v := dig(container, path...); v != nil {
		return v
	}
	return dig(pod, path...)
}

// kubeConfig loads the ConfigMap's config.yaml as the Deployment's pods do, with a JWT
// secret standing in for the Secret's.
func kubeConfig(t *testing.T, objs map[string]map[string]any) setting.Config {
	t.Helper()
	text, _ := dig(objs["ConfigMap"], "data", "config.yaml").(string)
	path := filepath.Join(t.TempDir(), "config.yaml")
	if err := os.WriteFile(path, []byte(text), 0o600); err != nil {
		t.Fatal(err)
	}
	cfg, err := setting.Load(path, false, []string{"BLOG_JWT_SECRET=deploy-test-only-secret-9b1e4c7a20f3d856"}, nil)
	if err != nil {
		t.Fatalf("the ConfigMap's config.yaml does not load: %v", err)
	}
	return cfg
}

// mount is a container's volume mount: the pod's volume and whether it is read-only.
type mount struct {
	volume   any
	readOnly bool
}

// podMounts maps each of a container's mount paths to its mount.
func podMounts(pod, c any) map[string]mount {
	volumes := map[string]any{}
	vols, _ := dig(pod, "volumes").([]any)
	for _, v := range vols {
		volumes[dig(v, "name").(string)] = v
	}
	m := map[string]mount{}
	vms, _ := dig(c, "volumeMounts").([]any)
	for _, vm := range vms {
		m[dig(vm, "mountPath").(string)] = mount{volumes[dig(vm, "name").(string)], dig(vm, "readOnly") == true}
	}
	return m
}

// probeValue is a probe's setting, or the kubelet's default when unset.
func probeValue(probe any, key string) int {
	if n, ok := dig(probe, key).(int); ok {
		return n
	}
	return map[string]int{"periodSeconds": 10, "timeoutSeconds": 1, "failureThreshold": 3}[key]
}

func TestKubernetesManifests(t *testing.T) {
	byKind := kubeObjects(t)
	dep, cm := byKind["Deployment"], byKind["ConfigMap"]
	if dep == nil || cm == nil || byKind["Service"] == nil || byKind["PersistentVolumeClaim"] == nil {
		t.Fatalf("want a Deployment, Service, ConfigMap and PersistentVolumeClaim, got %v", byKind)
	}
	cfg := kubeConfig(t, byKind) // the ConfigMap's file must load, and with the Deployment's environment
	pod := dig(dep, "spec", "template", "spec")
	container := dig(pod, "containers", 0)
	mounts := podMounts(pod, container)
	grace := dig(pod, "terminationGracePeriodSeconds").(int)
	tests := []struct {
		name      string
		got, want any
	}{
		{"readiness probe", dig(container, "readinessProbe", "httpGet", "path"), "/readyz"},
		// /readyz bounds its database ping at 1s (internal/routers/api/health.go).
		{"readiness timeout above the ping's", probeValue(dig(container, "readinessProbe"), "timeoutSeconds") > 1, true},
		{"liveness probe", dig(container, "livenessProbe", "httpGet", "path"), "/healthz"},
		{"container port", dig(container, "ports", 0, "containerPort"), cfg.Server.HttpPort},
		{"maxUnavailable", dig(dep, "spec", "strategy", "rollingUpdate", "maxUnavailable"), 0},
		{"release mode", cfg.Release(), true},
		{"a drain delay for endpoint removal", cfg.Server.DrainDelay > 0, true},
		{"grace period covers DrainDelay + ShutdownTimeout",
			time.Duration(grace)*time.Second > cfg.Server.DrainDelay+cfg.Server.ShutdownTimeout, true},
		{"grace period outlasts the master's stop timeout", time.Duration(grace)*time.Second > masterStopTimeout(cfg.Server), true},
		{"no preStop hook: DrainDelay keeps serving, within the grace period", dig(container, "lifecycle", "preStop"), nil},
		{"config mounted where the image reads it", dig(mounts["/app/configs"].volume, "configMap", "name"), dig(cm, "metadata", "name")},
		{"uploads on the shared volume", dig(mounts[cfg.App.UploadSavePath].volume, "persistentVolumeClaim", "claimName"),
			dig(byKind["PersistentVolumeClaim"], "metadata", "name")},
	}
	for _, tt := range tests {
		if tt.got != tt.want {
			t.Errorf("%s: got %v, want %v", tt.name, tt.got, tt.want)
		}
	}
}

// A starting pod is not killed while it waits for its database: the startupProbe, which
// holds liveness back, allows more than Database.ConnectTimeout, and more than
// Server.UpgradeTimeout, the master's own limit for a worker to serve (after which it
// exits and the pod restarts anyway).
func TestKubernetesStartupProbe(t *testing.T) {
	objs := kubeObjects(t)
	cfg := kubeConfig(t, objs)
	probe := dig(objs["Deployment"], "spec", "template", "spec", "containers", 0, "startupProbe")
	if probe == nil {
		t.Fatal("no startupProbe: liveness can kill a pod still waiting for its database or migrating")
	}
	budget := time.Duration(probeValue(probe, "failureThreshold")*probeValue(probe, "periodSeconds")) * time.Second
	tests := []struct {
		name      string
		got, want any
	}{
		{"startup probe", dig(probe, "httpGet", "path"), "/healthz"},
		{"startup budget covers Database.ConnectTimeout", budget >= cfg.Database.ConnectTimeout, true},
		{"startup budget covers Server.UpgradeTimeout", budget > cfg.Server.UpgradeTimeout, true},
		{"a worker may wait all of ConnectTimeout and still migrate", cfg.Server.UpgradeTimeout > cfg.Database.ConnectTimeout, true},
	}
	for _, tt := range tests {
		if tt.got != tt.want {
			t.Errorf("%s: got %v, want %v (startupProbe allows %v; ConnectTimeout %v, UpgradeTimeout %v)",
				tt.name, tt.got, tt.want, budget, cfg.Database.ConnectTimeout, cfg.Server.UpgradeTimeout)
		}
	}
}

// The PodDisruptionBudget selects exactly the Deployment's pods and lets a node drain evict
// one of them while another serves.
func TestKubernetesDisruptionBudget(t *testing.T) {
	objs := kubeObjects(t)
	pdb, dep := objs["PodDisruptionBudget"], objs["Deployment"]
	if pdb == nil {
		t.Fatal("no PodDisruptionBudget in deploy/kubernetes")
	}
	// selects reports whether a matchLabels selector picks a pod with these labels.
	selects := func(selector, labels any) bool {
		sel, _ := dig(selector, "matchLabels").(map[string]any)
		l, _ := labels.(map[string]any)
		for k, v := range sel {
			if l[k] != v {
				return false
			}
		}
		return len(sel) > 0 && dig(selector, "matchExpressions") == nil
	}
	replicas, _ := dig(dep, "spec", "replicas").(int)
	// Either form of budget must allow one eviction and keep one pod.
	maxUnavailable, hasMax := dig(pdb, "spec", "maxUnavailable").(int)
	minAvailable, hasMin := dig(pdb, "spec", "minAvailable").(int)
	allowed := -1
	switch {
	case hasMax && !hasMin:
		allowed = maxUnavailable
	case hasMin && !hasMax:
		allowed = replicas - minAvailable
	}
	tests := []struct {
		name      string
		got, want any
	}{
		{"the Deployment's selector", dig(pdb, "spec", "selector"), dig(dep, "spec", "selector")},
		{"selects the Deployment's pods", selects(dig(pdb, "spec", "selector"), dig(dep, "spec", "template", "metadata", "labels")), true},
		{"selects the Job's pods", selects(dig(pdb, "spec", "selector"), dig(objs["Job"], "spec", "template", "metadata", "labels")), false},
		{"replicas at least 2", replicas >= 2, true},
		{"evictions allowed at once (maxUnavailable, or replicas - minAvailable)", allowed >= 1 && allowed < replicas, true},
	}
	for _, tt := range tests {
		if !reflect.DeepEqual(tt.got, tt.want) {
			t.Errorf("%s: got %v, want %v (replicas %d, evictions allowed %d)", tt.name, tt.got, tt.want, replicas, allowed)
		}
	}
}

// Every container of every pod passes the restricted Pod Security Standard
// (kubernetes.io/docs/concepts/security/pod-security-standards), so a namespace labelled
// pod-security.kubernetes.io/enforce=restricted admits it, and its root filesystem is
// read-only besides.
func TestKubernetesRestrictedPodSecurity(t *testing.T) {
	allowedVolumes := []string{"configMap", "csi", "downwardAPI", "emptyDir", "ephemeral",
		"persistentVolumeClaim", "projected", "secret"}
	pods := podSpecs(kubeObjects(t))
	if pods["Deployment"] == nil || pods["Job"] == nil {
		t.Fatalf("want the Deployment's and the credential Job's pods, got %v", slices.Collect(maps.Keys(pods)))
	}
	for kind, pod := range pods {
		for _, host := range []string{"hostNetwork", "hostPID", "hostIPC"} {
			if dig(pod, host) == true {
				t.Errorf("%s pod: %s, want none", kind, host)
			}
		}
		vols, _ := dig(pod, "volumes").([]any)
		for _, v := range vols {
			for typ := range v.(map[string]any) {
				if typ != "name" && !slices.Contains(allowedVolumes, typ) {
					t.Errorf("%s volume %v: type %s, want one of %v", kind, dig(v, "name"), typ, allowedVolumes)
				}
			}
		}
		for _, c := range containers(pod) {
			drop, _ := dig(c, "securityContext", "capabilities", "drop").([]any)
			ports, _ := dig(c, "ports").([]any)
			hostPorts := 0
			for _, p := range ports {
				if dig(p, "hostPort") != nil {
					hostPorts++
				}
			}
			tests := []struct {
				name      string
				got, want any
			}{
				{"runAsNonRoot", securityValue(pod, c, "runAsNonRoot"), true},
				{"allowPrivilegeEscalation", dig(c, "securityContext", "allowPrivilegeEscalation"), false},
				{"capabilities drop ALL", slices.Contains(drop, any("ALL")), true},
				{"capabilities add", dig(c, "securityContext", "capabilities", "add"), nil},
				{"privileged", dig(c, "securityContext", "privileged") == true, false},
				{"seccompProfile", securityValue(pod, c, "seccompProfile", "type"), "RuntimeDefault"},
				{"host ports", hostPorts, 0},
				{"readOnlyRootFilesystem", dig(c, "securityContext", "readOnlyRootFilesystem"), true},
			}
			for _, tt := range tests {
				if tt.got != tt.want {
					t.Errorf("%s container %v: %s %v, want %v", kind, dig(c, "name"), tt.name, tt.got, tt.want)
				}
			}
		}
	}
}

// The root filesystem is read-only, so every directory the service writes with the
// ConfigMap's config is on a writable volume: an emptyDir, a claim or an ephemeral volume,
// mounted without readOnly.
func TestKubernetesWritablePaths(t *testing.T) {
	objs := kubeObjects(t)
	cfg := kubeConfig(t, objs)
	pod := dig(objs["Deployment"], "spec", "template", "spec")
	mounts := podMounts(pod, dig(pod, "containers", 0))
	workdir := lastArg(imageStage(t), "WORKDIR")
	for _, dir := range writtenDirs(cfg, workdir) {
		at := "" // the innermost mount holding dir
		for path := range mounts {
			if under(dir, path) && len(path) > len(at) {
				at = path
			}
		}
		m := mounts[at]
		writable := !m.readOnly && (dig(m.volume, "emptyDir") != nil ||
			dig(m.volume, "persistentVolumeClaim") != nil || dig(m.volume, "ephemeral") != nil)
		if at == "" || !writable {
			t.Errorf("the service writes %s, but it is on the read-only root filesystem or a read-only volume (mount %q)", dir, at)
		}
	}
}

// The credential Job runs `auth add` with the Deployment's image, config and environment, so
// on its database; it reads the secret from a Secret volume and never gets the Service's
// traffic. Its command line is run here as the kubelet would run it, with SQLite standing in
// for MySQL, twice: -if-absent makes the second run a success that changes nothing.
func TestKubernetesCredentialJob(t *testing.T) {
	t.Parallel()
	byKind := kubeObjects(t)
	dep, job := byKind["Deployment"], byKind["Job"]
	if job == nil {
		t.Fatal("no Job in deploy/kubernetes/auth-job.yaml")
	}
	depPod, jobPod := dig(dep, "spec", "template", "spec"), dig(job, "spec", "template", "spec")
	depC, jobC := dig(depPod, "containers", 0), dig(jobPod, "containers", 0)
	if dig(jobC, "image") != dig(depC, "image") {
		t.Errorf("Job image %v, want the Deployment's %v", dig(jobC, "image"), dig(depC, "image"))
	}
	jobEnv := map[string]any{}
	for _, e := range dig(jobC, "env").([]any) {
		jobEnv[dig(e, "name").(string)] = dig(e, "valueFrom")
	}
	for _, e := range dig(depC, "env").([]any) {
		if name := dig(e, "name").(string); !reflect.DeepEqual(jobEnv[name], dig(e, "valueFrom")) {
			t.Errorf("Job env %s = %v, want the Deployment's %v", name, jobEnv[name], dig(e, "valueFrom"))
		}
	}
	depMounts, jobMounts := podMounts(depPod, depC), podMounts(jobPod, jobC)
	if got, want := dig(jobMounts["/app/configs"].volume, "configMap", "name"), dig(depMounts["/app/configs"].volume, "configMap", "name"); got == nil || got != want {
		t.Errorf("Job config at /app/configs from ConfigMap %v, want the Deployment's %v", got, want)
	}
	args := []string{}
	for _, a := range dig(jobC, "args").([]any) {
		args = append(args, a.(string))
	}
	i := slices.Index(args, "-secret-file")
	if len(args) < 2 || args[0] != "auth" || args[1] != "add" || i < 0 || i+1 >= len(args) {
		t.Fatalf("Job args %q, want auth add ... -secret-file PATH ... APP_KEY", args)
	}
	secretDir := filepath.Dir(args[i+1])
	if dig(jobMounts[secretDir].volume, "secret", "secretName") == nil {
		t.Errorf("the secret file %s is not on a Secret volume", args[i+1])
	}
	podLabels, _ := dig(job, "spec", "template", "metadata", "labels").(map[string]any)
	selected := true
	for k, v := range dig(byKind["Service"], "spec", "selector").(map[string]any) {
		selected = selected && podLabels[k] == v
	}
	if selected {
		t.Errorf("the Service selects the Job's pod (labels %v): it would get traffic", podLabels)
	}

	dir := t.TempDir()
	if err := os.MkdirAll(filepath.Join(dir, "configs"), 0o755); err != nil {
		t.Fatal(err)
	}
	// The image's working directory is /app: the ConfigMap is its configs/config.yaml.
	if err := os.WriteFile(filepath.Join(dir, "configs", "config.yaml"), []byte(dig(byKind["ConfigMap"], "data", "config.yaml").(string)), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "app-secret"), []byte("k8s-app-secret-0123\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	args[i+1] = filepath.Join(dir, "app-secret")
	for k, a := range args {
		args[k] = strings.ReplaceAll(a, "$(APP_KEY)", "myapp")
	}
	env := []string{"BLOG_JWT_SECRET=deploy-test-only-secret-9b1e4c7a20f3d856", "BLOG_DATABASE_PASSWORD=unused",
		"BLOG_DATABASE_DBTYPE=sqlite", "BLOG_DATABASE_PATH=" + filepath.Join(dir, "blog.db")}
	for run := 1; run <= 2; run++ {
		if r := runBinary(t, dir, "", env, args...); r.status != 0 {
			t.Fatalf("run %d of the Job's command %q: status %d, stderr:\n%s", run, args, r.status, r.stderr)
		}
	}
	if r := runBinary(t, dir, "", env, "auth", "list"); r.stdout != "myapp\n" {
		t.Errorf("after the Job, auth list = %q, want myapp", r.stdout)
	}
}
