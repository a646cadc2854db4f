package openapi

import "maps"

// m is a JSON object under construction. encoding/json sorts map keys, so the
// output is deterministic.
type m = map[string]any

func schemaRef(name string) m { return m{"$ref": "#/components/schemas/" + name} }

func describe(s m, desc string) m {
	if desc != "" {
		s["description"] = desc
	}
	return s
}

func str(desc string) m { return describe(m{"type": "string"}, desc) }

func strFormat(format, desc string) m {
	return describe(m{"type": "string", "format": format}, desc)
}

func dateTime(desc string) m { return strFormat("date-time", desc) }

func enumOf(desc string, values ...string) m {
	e := make([]any, len(values))
	for i, v := range values {
		e[i] = v
	}
	return describe(m{"type": "string", "enum": e}, desc)
}

// nullableEnum lists null among the values, as OpenAPI 3.0.3 requires for a
// nullable enumeration.
func nullableEnum(desc string, values ...string) m {
	s := enumOf(desc, values...)
	s["enum"] = append(s["enum"].([]any), nil)
	s["nullable"] = true
	return s
}

func integer(desc string) m { return describe(m{"type": "integer", "format": "int64"}, desc) }

// intRange is an integer with a minimum and, when max > 0, a maximum.
func intRange(minimum, maximum int, desc string) m {
	s := describe(m{"type": "integer", "minimum": minimum}, desc)
	if maximum > 0 {
		s["maximum"] = maximum
	}
	return s
}

func boolean(desc string) m { return describe(m{"type": "boolean"}, desc) }

func arrayOf(items m, desc string) m { return describe(m{"type": "array", "items": items}, desc) }

// object is an open object: unknown members are allowed, so that later
// additions to a response never break a client that validates it.
func object(desc string, props m, required ...string) m {
	s := describe(m{"type": "object", "properties": props}, desc)
	if len(required) > 0 {
		s["required"] = required
	}
	return s
}

// closedObject is a request object: the server rejects unknown members.
func closedObject(desc string, props m, required ...string) m {
	s := object(desc, props, required...)
	s["additionalProperties"] = false
	return s
}

// freeObject is an object whose members are not described further.
func freeObject(desc string) m {
	return describe(m{"type": "object", "additionalProperties": true}, desc)
}

func stringMap(desc string) m {
	return describe(m{"type": "object", "additionalProperties": m{"type": "string"}}, desc)
}

// nullable marks s as accepting null. A reference cannot carry siblings in
// OpenAPI 3.0, so it is wrapped in allOf.
func nullable(s m) m {
	if _, ok := s["$ref"]; ok {
		return m{"nullable": true, "allOf": []any{s}}
	}
	out := maps.Clone(s)
	out["nullable"] = true
	return out
}

// with returns a copy of s with extra members (example, default, ...).
func with(s m, extra m) m {
	out := maps.Clone(s)
	maps.Copy(out, extra)
	return out
}

// anyObject is an object whose members are not described here.
func anyObject(desc string) m {
	return describe(m{"type": "object", "additionalProperties": true}, desc)
}

// anyValue accepts any JSON value but null, for members whose inner shape
// the contract leaves open. (OpenAPI 3.0 allows null only with nullable,
// and nullable only beside a type.)
func anyValue(desc string) m { return describe(m{}, desc) }
