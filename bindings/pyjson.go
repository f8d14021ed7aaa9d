package bindings

import (
	"encoding/json"
	"fmt"
	"maps"
	"math"
	"slices"
	"strconv"
	"strings"
)

// pyJSON encodes a flat map of numbers (float64, int) and nils as JSON
// with Python's json module's spellings of NaN, Infinity and -Infinity:
// encoding/json refuses non-finite numbers, and a diverged model's metrics
// are exactly where they occur.
func pyJSON(fields map[string]any) string {
	var b strings.Builder
	b.WriteByte('{')
	for i, k := range slices.Sorted(maps.Keys(fields)) {
		if i > 0 {
			b.WriteString(", ")
		}
		key, _ := json.Marshal(k)
		b.Write(key)
		b.WriteString(": ")
		switch v := fields[k].(type) {
		case nil:
			b.WriteString("null")
		case int:
			b.WriteString(strconv.Itoa(v))
		case float64:
			switch {
			case math.IsNaN(v):
				b.WriteString("NaN")
			case math.IsInf(v, 1):
				b.WriteString("Infinity")
			case math.IsInf(v, -1):
				b.WriteString("-Infinity")
			default:
				b.WriteString(strconv.FormatFloat(v, 'g', -1, 64))
			}
		default:
			panic(fmt.Sprintf("pyJSON: field %s has type %T", k, v))
		}
	}
	b.WriteByte('}')
	return b.String()
}
