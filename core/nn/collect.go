package nn

import (
	"fmt"
	"reflect"
	"unsafe"

	"github.com/ddaebm/ddaebm/core/autograd"
	"github.com/ddaebm/ddaebm/core/tensor"
)

// A network's tensors are found by walking it, never listed by hand: a
// layer held in a field (exported or not, directly, through a pointer,
// an embedded struct, a slice or an array) is found, so a parameter
// cannot be left out of training, checkpoints or a device move.
//
//   - a parameter is an *autograd.Node made by autograd.NewParam (one that
//     accumulates a gradient);
//   - a buffer is a Buffer: named persistent state, not trained;
//   - a constant is any other *tensor.Dense (a step-embedding table): no
//     checkpoint carries it, but it moves to a device with the weights.
//
// Each is reported once, in field order, depth first. Maps that could
// hold tensors are refused: their order is not fixed, and neither would
// the parameters' be.

// Params returns the parameters reachable from net.
func Params(net any) []*autograd.Node { return collect(net).params }

// Buffers returns the buffers reachable from net.
func Buffers(net any) []Buffer { return collect(net).buffers }

// Constants returns the constants reachable from net.
func Constants(net any) []*tensor.Dense { return collect(net).constants }

type collection struct {
	params    []*autograd.Node
	buffers   []Buffer
	constants []*tensor.Dense
	seen      map[unsafe.Pointer]bool
}

var (
	nodeType   = reflect.TypeFor[*autograd.Node]()
	denseType  = reflect.TypeFor[*tensor.Dense]()
	bufferType = reflect.TypeFor[Buffer]()
	graphType  = reflect.TypeFor[*autograd.Graph]()
)

func collect(net any) *collection {
	c := &collection{seen: map[unsafe.Pointer]bool{}}
	c.walk(reflect.ValueOf(net), "net")
	return c
}

func (c *collection) walk(v reflect.Value, path string) {
	switch {
	case !v.IsValid():
		return
	case v.Type() == nodeType:
		if n := v.Interface().(*autograd.Node); n != nil && n.Grad != nil && c.first(unsafe.Pointer(n)) {
			c.params = append(c.params, n)
		}
		return
	case v.Type() == bufferType:
		if b := v.Interface().(Buffer); b.Value != nil && c.first(unsafe.Pointer(b.Value)) {
			c.buffers = append(c.buffers, b)
		}
		return
	case v.Type() == denseType:
		if d := v.Interface().(*tensor.Dense); d != nil && c.first(unsafe.Pointer(d)) {
			c.constants = append(c.constants, d)
		}
		return
	case v.Type() == graphType:
		return // a graph a network computes in is the step's state, not the network's
	}
	switch v.Kind() {
	case reflect.Pointer:
		if !v.IsNil() && c.first(v.UnsafePointer()) {
			c.walk(v.Elem(), path)
		}
	case reflect.Interface:
		c.walk(v.Elem(), path)
	case reflect.Struct:
		if !v.CanAddr() { // a struct held by value at the top: copy it to reach unexported fields
			p := reflect.New(v.Type())
			p.Elem().Set(v)
			v = p.Elem()
		}
		for i := range v.NumField() {
			f := v.Field(i)
			if !f.CanInterface() { // unexported: read it through its address
				f = reflect.NewAt(f.Type(), unsafe.Pointer(f.UnsafeAddr())).Elem()
			}
			c.walk(f, path+"."+v.Type().Field(i).Name)
		}
	case reflect.Slice, reflect.Array:
		if holdsTensors(v.Type().Elem()) {
			for i := range v.Len() {
				c.walk(v.Index(i), path+"[]")
			}
		}
	case reflect.Map:
		if !holdsTensors(v.Type().Elem()) {
			return // metadata
		}
		panic(fmt.Sprintf("nn: %s is a map: a network's layers must be in fields, slices or arrays, whose order is fixed", path))
	}
}

// first reports whether p is met for the first time.
func (c *collection) first(p unsafe.Pointer) bool {
	if c.seen[p] {
		return false
	}
	c.seen[p] = true
	return true
}

// holdsTensors reports whether values of type t can lead to a tensor: it
// spares the walk the elements of index lists and other plain data.
func holdsTensors(t reflect.Type) bool {
	switch t.Kind() {
	case reflect.Pointer, reflect.Interface, reflect.Struct, reflect.Slice, reflect.Array, reflect.Map:
		return true
	}
	return false
}
