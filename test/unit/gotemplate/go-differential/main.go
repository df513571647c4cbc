// Runs Go text/template on JSON cases from stdin, with confd-like functions over the keys, and
// prints the outputs as JSON (PARSEERR / EXECERR on failure). Used by go-differential.test.ts.
package main

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path"
	"sort"
	"strconv"
	"strings"
	"text/template"
)

type Case struct {
	Go   string            `json:"go"`
	Keys map[string]string `json:"keys"`
}
type KVPair struct{ Key, Value string }

func funcs(keys map[string]string) template.FuncMap {
	match := func(p string) []KVPair {
		var out []KVPair
		for k, v := range keys {
			if ok, _ := path.Match(p, k); ok {
				out = append(out, KVPair{k, v})
			}
		}
		sort.Slice(out, func(i, j int) bool { return out[i].Key < out[j].Key })
		return out
	}
	return template.FuncMap{
		"getv": func(k string, d ...string) (string, error) {
			if v, ok := keys[k]; ok {
				return v, nil
			}
			if len(d) > 0 {
				return d[0], nil
			}
			return "", errors.New("key does not exist: " + k)
		},
		"getvs": func(p string) []string {
			var vs []string
			for _, kv := range match(p) {
				vs = append(vs, kv.Value)
			}
			sort.Strings(vs)
			return vs
		},
		"gets":  func(p string) []KVPair { return match(p) },
		"split": strings.Split, "join": strings.Join, "base": path.Base, "dir": path.Dir,
		"toUpper": strings.ToUpper, "replace": strings.Replace, "contains": strings.Contains,
		"json": func(s string) (map[string]interface{}, error) {
			var m map[string]interface{}
			err := json.Unmarshal([]byte(s), &m)
			return m, err
		},
		"seq": func(a, b int) []int {
			var r []int
			for i := a; i <= b; i++ {
				r = append(r, i)
			}
			return r
		},
		"atoi": strconv.Atoi, "add": func(a, b int) int { return a + b },
		"exists": func(k string) bool { _, ok := keys[k]; return ok },
	}
}

func main() {
	var cases []Case
	json.NewDecoder(os.Stdin).Decode(&cases)
	var out []string
	for _, c := range cases {
		t, err := template.New("root.tmpl").Funcs(funcs(c.Keys)).Parse(c.Go)
		if err != nil {
			out = append(out, "PARSEERR")
			continue
		}
		var b bytes.Buffer
		if err := t.Execute(&b, nil); err != nil {
			out = append(out, "EXECERR")
			continue
		}
		out = append(out, b.String())
	}
	json.NewEncoder(os.Stdout).Encode(out)
	_ = fmt.Sprint
}
