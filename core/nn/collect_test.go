package nn

import (
	"math/rand/v2"
	"path/filepath"
	"slices"
	"testing"

	"github.com/ddaebm/ddaebm/core/autograd"
	"github.com/ddaebm/ddaebm/core/checkpoint"
	"github.com/ddaebm/ddaebm/core/tensor"
)

// nestedNet holds layers every way a network can: an embedded struct, a
// pointer, a slice of structs holding pointers, an array, unexported
// fields, a layer reachable twice, and a constant table.
type nestedNet struct {
	trunk
	Head   *Linear
	blocks []block
	norms  [2]*BatchNorm
	shared *Linear // the same layer as blocks[0].fc: found once
	table  *tensor.Dense
	Scale  float64
	idx    []int
}

type trunk struct{ In *Linear }

type block struct {
	fc  *Linear
	act *PReLU
	gn  *GroupNorm
}

func newNestedNet(rng *rand.Rand) *nestedNet {
	img := autograd.Image{H: 1, W: 2, C: 2}
	n := &nestedNet{
		trunk: trunk{In: NewLinear("in", 3, 4, rng)},
		Head:  NewLinear("head", 4, 1, rng),
		norms: [2]*BatchNorm{NewBatchNorm("bn0", 4), NewBatchNorm("bn1", 4)},
		table: SinusoidalTable(3, 4),
		idx:   []int{1, 2, 3},
	}
	for _, name := range []string{"b0", "b1"} {
		n.blocks = append(n.blocks, block{NewLinear(name+"/fc", 4, 4, rng), NewPReLU(name + "/act"), NewGroupNorm(name+"/gn", img, 1, 1e-6)})
	}
	n.shared = n.blocks[0].fc
	return n
}

// Every tensor of a nested network is found once, so a checkpoint written
// from the walk restores all of them, and a device move built on it
// moves all of them.
func TestCollectFindsEveryTensor(t *testing.T) {
	n := newNestedNet(rand.New(rand.NewPCG(1, 2)))
	var names []string
	for _, p := range Params(n) {
		names = append(names, p.Name)
	}
	want := []string{"in/W", "in/b", "head/W", "head/b", "b0/fc/W", "b0/fc/b", "b0/act/a", "b0/gn/gamma", "b0/gn/beta",
		"b1/fc/W", "b1/fc/b", "b1/act/a", "b1/gn/gamma", "b1/gn/beta", "bn0/gamma", "bn0/beta", "bn1/gamma", "bn1/beta"}
	if !slices.Equal(names, want) {
		t.Fatalf("params %v\nwant %v", names, want)
	}
	var buffers []string
	for _, b := range Buffers(n) {
		buffers = append(buffers, b.Name)
	}
	if want := []string{"bn0/running_mean", "bn0/running_var", "bn1/running_mean", "bn1/running_var"}; !slices.Equal(buffers, want) {
		t.Fatalf("buffers %v, want %v", buffers, want)
	}
	if c := Constants(n); len(c) != 1 || c[0] != n.table {
		t.Fatalf("constants %v, want the table", c)
	}

	// Save from the walk, load into a network initialised differently:
	// every tensor comes back.
	var arrays []checkpoint.Named
	for _, p := range Params(n) {
		arrays = append(arrays, checkpoint.Matrix(p.Name, p.Value))
	}
	for _, b := range Buffers(n) {
		b.Value.Fill(0.5)
		arrays = append(arrays, checkpoint.Matrix(b.Name, b.Value))
	}
	path := filepath.Join(t.TempDir(), "net.npz")
	if err := checkpoint.Save(path, &checkpoint.Checkpoint{Arrays: arrays}); err != nil {
		t.Fatal(err)
	}
	c, err := checkpoint.Load(path)
	if err != nil {
		t.Fatal(err)
	}
	fresh := newNestedNet(rand.New(rand.NewPCG(3, 4)))
	restore := func(name string, dst *tensor.Dense) {
		a, err := c.Get(name)
		if err != nil {
			t.Fatal(err)
		}
		for i, v := range a.ToFloat64() {
			dst.Data[i] = tensor.Float(v)
		}
	}
	for _, p := range Params(fresh) {
		restore(p.Name, p.Value)
	}
	for _, b := range Buffers(fresh) {
		restore(b.Name, b.Value)
	}
	for i, p := range Params(n) {
		if !slices.Equal(p.Value.Data, Params(fresh)[i].Value.Data) {
			t.Fatalf("%s was not restored", p.Name)
		}
	}
	for i, b := range Buffers(n) {
		if !slices.Equal(b.Value.Data, Buffers(fresh)[i].Value.Data) {
			t.Fatalf("%s was not restored", b.Name)
		}
	}
}

// A map would make the order of parameters (hence of optimiser state)
// vary from run to run: refused, naming the field.
func TestCollectRefusesMaps(t *testing.T) {
	defer func() {
		if r := recover(); r == nil || !slices.Contains([]string{"nn: net.Layers is a map: a network's layers must be in fields, slices or arrays, whose order is fixed"}, r.(string)) {
			t.Fatalf("recovered %v", r)
		}
	}()
	Params(&struct{ Layers map[string]*Linear }{map[string]*Linear{}})
}

// A network may keep the graph it computes in (the classifier does): the
// walk skips it, scratch maps and recorded nodes included.
func TestCollectSkipsGraphs(t *testing.T) {
	rng := rand.New(rand.NewPCG(1, 2))
	net := struct {
		Conv  *Conv2D
		Graph *autograd.Graph
	}{NewConv2D("c", autograd.Image{H: 3, W: 3, C: 1}, autograd.Window{KH: 3, KW: 3, Pad: 1}, 2, rng), autograd.NewGraph()}
	x := autograd.NewParam("x", randInput(rng, 2, 9))
	net.Graph.Backward(net.Graph.SumAll(net.Conv.Forward(net.Graph, x)), []*autograd.Node{x})
	if ps := Params(net); len(ps) != 2 || ps[0] != net.Conv.W || ps[1] != net.Conv.B {
		t.Errorf("Params found %d tensors, want the convolution's W and b", len(ps))
	}
}
