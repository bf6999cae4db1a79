package setting

import (
	"errors"
	"fmt"
	"maps"
	"slices"
	"strings"
	"unicode/utf8"
)

// Unknown keys are refused, never ignored: a misspelt ShutdownTimout would otherwise leave
// the default in force without a word. The known keys are those of defaults, compared
// without regard to case, as viper compares them.

// testEnvPrefix starts the test suite's own variables (BLOG_TEST_MYSQL_DSN,
// BLOG_TEST_REDIS_ADDR). They are in the environment of every binary the tests start, and
// no key is read from them, so they are not checked.
const testEnvPrefix = EnvPrefix + "_TEST_"

// checkFileKeys returns an error for each key of doc, the parsed config file, that is not
// a known key, naming the closest known one.
func checkFileKeys(file string, doc map[string]any) error {
	sections := map[string][]string{} // section → its keys, as defaults spell them
	for key := range defaults {
		section, name, _ := strings.Cut(key, ".")
		sections[section] = append(sections[section], name)
	}
	names := slices.Collect(maps.Keys(sections))
	var errs []error
	for _, section := range slices.Sorted(maps.Keys(doc)) {
		known, ok := find(names, section)
		if !ok {
			errs = append(errs, unknownKey(section, file, names, nil))
			continue
		}
		keys, ok := doc[section].(map[string]any)
		switch {
		case doc[section] == nil: // viper would zero every key of the section
			errs = append(errs, fmt.Errorf("section %s in %s is empty: remove the line or put keys under it", section, file))
			continue
		case !ok:
			errs = append(errs, fmt.Errorf("section %s in %s is %v, not keys", section, file, doc[section]))
			continue
		}
		for _, name := range slices.Sorted(maps.Keys(keys)) {
			key, ok := find(sections[known], name)
			if !ok {
				errs = append(errs, unknownKey(name, file, sections[known], func(k string) string { return section + "." + k }))
				continue
			}
			if known+"."+key == "Limiter.Rules" {
				errs = append(errs, checkRuleKeys(file, section+"."+name, keys[name]))
			}
		}
	}
	return errors.Join(errs...)
}

// checkRuleKeys checks the keys of each Limiter.Rules entry against those of the default rules.
func checkRuleKeys(file, path string, rules any) error {
	var known []string
	for _, r := range defaults["Limiter.Rules"].([]map[string]any) {
		for k := range r {
			if !slices.Contains(known, k) {
				known = append(known, k)
			}
		}
	}
	list, _ := rules.([]any)
	var errs []error
	for i, r := range list {
		rule, _ := r.(map[string]any)
		for _, name := range slices.Sorted(maps.Keys(rule)) {
			if _, ok := find(known, name); !ok {
				at := func(k string) string { return fmt.Sprintf("%s[%d].%s", path, i, k) }
				errs = append(errs, unknownKey(name, file, known, at))
			}
		}
	}
	return errors.Join(errs...)
}

// checkEnv returns an error for each BLOG_ variable in environ that names no known key.
func checkEnv(environ []string) error {
	var known []string
	for key := range defaults {
		known = append(known, EnvName(key))
	}
	var errs []error
	for _, kv := range environ {
		name, _, _ := strings.Cut(kv, "=")
		if !strings.HasPrefix(name, EnvPrefix+"_") || strings.HasPrefix(name, testEnvPrefix) || slices.Contains(known, name) {
			continue
		}
		msg := fmt.Sprintf("unknown environment variable %s", name)
		if c, ok := closest(name, known); ok {
			msg += fmt.Sprintf("; did you mean %s?", c)
		} else {
			msg += "; each is BLOG_ and a key's path, as BLOG_SERVER_HTTPPORT for Server.HttpPort"
		}
		errs = append(errs, errors.New(msg))
	}
	return errors.Join(errs...)
}

// unknownKey reports name, found in file where the keys known are known; path turns a key
// into the path shown (nil: as it is).
func unknownKey(name, file string, known []string, path func(string) string) error {
	if path == nil {
		path = func(k string) string { return k }
	}
	msg := fmt.Sprintf("unknown key %s in %s", path(name), file)
	if c, ok := closest(name, known); ok {
		return fmt.Errorf("%s; did you mean %s?", msg, path(c))
	}
	return fmt.Errorf("%s; the keys there are %s", msg, strings.Join(slices.Sorted(slices.Values(known)), ", "))
}

// find returns the known name equal to name, ignoring case.
func find(known []string, name string) (string, bool) {
	i := slices.IndexFunc(known, func(k string) bool { return strings.EqualFold(k, name) })
	if i < 0 {
		return "", false
	}
	return known[i], true
}

// closest returns the known name nearest to name, ignoring case, if it is near enough to
// be a typo: at most 2 edits, or a quarter of the name's length.
func closest(name string, known []string) (string, bool) {
	best, bestDist := "", -1
	for _, k := range slices.Sorted(slices.Values(known)) { // sorted: ties resolve the same way each run
		if d := distance(strings.ToLower(name), strings.ToLower(k)); bestDist < 0 || d < bestDist {
			best, bestDist = k, d
		}
	}
	return best, bestDist >= 0 && bestDist <= max(2, utf8.RuneCountInString(name)/4)
}

// distance is the Levenshtein distance between a and b: the fewest single-character
// insertions, deletions and substitutions that turn one into the other.
func distance(a, b string) int {
	ra, rb := []rune(a), []rune(b)
	prev := make([]int, len(rb)+1) // distances from ra[:i-1] to each prefix of rb
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(ra); i++ {
		cur := make([]int, len(rb)+1)
		cur[0] = i
		for j := 1; j <= len(rb); j++ {
			cost := 1
			if ra[i-1] == rb[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
		}
		prev = cur
	}
	return prev[len(rb)]
}
