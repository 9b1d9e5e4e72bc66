// Command validate reads the multi-document YAML that `helm template` prints on stdin and checks
// every document offline, the way the API server would take it: strictly decoded into the
// k8s.io/api types (case-sensitive field names, unknown and duplicate fields refused, wrong value
// types refused), then a few of the API server's own validation rules and the references between
// documents. It prints the documents as one JSON array on stdout for the caller's assertions, or
// every problem on stderr and exits 1.
//
// Usage: helm template … | validate [-external-secret NAME]…
package main

import (
	"bufio"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"strings"

	utilyaml "k8s.io/apimachinery/pkg/util/yaml"
	"sigs.k8s.io/yaml"
)

type externalSecrets []string

func (e *externalSecrets) String() string     { return strings.Join(*e, ",") }
func (e *externalSecrets) Set(v string) error { *e = append(*e, v); return nil }

// Doc is one rendered document: its kind and name, the typed object, and the plain JSON the
// caller asserts on.
type Doc struct {
	APIVersion string          `json:"apiVersion"`
	Kind       string          `json:"kind"`
	Name       string          `json:"name"`
	Object     json.RawMessage `json:"object"`
	typed      any
}

func main() {
	var external externalSecrets
	flag.Var(&external, "external-secret", "a Secret the documents may reference that is not rendered (existingSecret); repeatable")
	flag.Parse()

	docs, problems := decodeAll(os.Stdin)
	if len(problems) == 0 {
		// References are checked between documents that decoded: a broken one would only add echoes.
		problems = crossCheck(docs, external)
	}
	if len(problems) > 0 {
		for _, p := range problems {
			fmt.Fprintln(os.Stderr, p)
		}
		fmt.Fprintf(os.Stderr, "%d problem(s) in %d document(s)\n", len(problems), len(docs))
		os.Exit(1)
	}
	out, err := json.Marshal(docs)
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(2)
	}
	os.Stdout.Write(out)
}

// decodeAll splits the stream into documents and decodes each strictly into its type.
func decodeAll(in io.Reader) ([]*Doc, []string) {
	reader := utilyaml.NewYAMLReader(bufio.NewReader(in))
	var docs []*Doc
	var problems []string
	for i := 1; ; i++ {
		raw, err := reader.Read()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return docs, append(problems, fmt.Sprintf("document %d: %v", i, err))
		}
		// YAMLToJSONStrict refuses duplicate keys, as the API server's strict decoding does.
		js, err := yaml.YAMLToJSONStrict(raw)
		if err != nil {
			problems = append(problems, fmt.Sprintf("document %d: not YAML: %v", i, err))
			continue
		}
		if s := strings.TrimSpace(string(js)); s == "null" || s == "" {
			continue // only comments (a template that rendered nothing)
		}
		doc, errs := decodeOne(js)
		where := fmt.Sprintf("document %d", i)
		if doc != nil {
			where = fmt.Sprintf("%s %s/%s", where, doc.Kind, doc.Name)
			docs = append(docs, doc)
		}
		for _, e := range errs {
			problems = append(problems, where+": "+e)
		}
	}
	return docs, problems
}
