package models_test

import (
	"math/rand/v2"
	"slices"
	"strings"
	"testing"

	"github.com/ddaebm/ddaebm/core/models"
	"github.com/ddaebm/ddaebm/core/models/nice"
	"github.com/ddaebm/ddaebm/core/models/toy"
	"github.com/ddaebm/ddaebm/core/nn"
)

func TestRegistry(t *testing.T) {
	if names := models.Names(); !slices.Equal(names, []string{nice.Name, toy.Name}) {
		t.Errorf("Names() = %v, want the two families imported here in alphabetical order", names)
	}
	if _, err := models.Lookup("unet"); err == nil || !strings.Contains(err.Error(), "unet") || !strings.Contains(err.Error(), toy.Name) {
		t.Errorf("Lookup of an unknown family: %v, want an error naming it and the known ones", err)
	}
	defer func() {
		if recover() == nil {
			t.Error("a second family under one name was accepted")
		}
	}()
	f, _ := models.Lookup(toy.Name)
	models.Register(toy.Name, f)
}

// Every family's networks keep the values Sizes counts (parameters,
// batch-norm statistics, step tables), odd sizes included, and its energy
// is a Density exactly when its Traits say so.
func TestFamiliesBuildWhatTheySize(t *testing.T) {
	for _, s := range []models.Spec{
		{Dim: 2, ZDim: 2, T: 4, Hidden: 8, GenHidden: 8},
		{Dim: 7, ZDim: 3, T: 9, Hidden: 13, GenHidden: 5},
	} {
		for _, name := range models.Names() {
			checkFamilySizes(t, name, s)
		}
	}
}

func checkFamilySizes(t *testing.T, name string, s models.Spec) {
	t.Helper()
	f, _ := models.Lookup(name)
	if err := f.Check(s); err != nil {
		t.Fatalf("%s: %v", name, err)
	}
	if err := f.Check(models.Spec{}); err == nil {
		t.Errorf("%s accepts zero sizes", name)
	}
	e, g, q := f.Build(s, rand.New(rand.NewPCG(1, 2)))
	es, gs, qs := f.Sizes(s)
	for _, n := range []struct {
		name string
		net  any
		size models.Size
	}{{"energy", e, es}, {"generator", g, gs}, {"encoder", q, qs}} {
		values := 0
		for _, p := range nn.Params(n.net) {
			values += p.Value.Len()
		}
		for _, b := range nn.Buffers(n.net) {
			values += b.Value.Len()
		}
		for _, c := range nn.Constants(n.net) {
			values += c.Len()
		}
		if float64(values) != n.size.Values {
			t.Errorf("%s %+v %s: %d values, Sizes says %.0f", name, s, n.name, values, n.size.Values)
		}
	}
	if _, ok := e.(models.Density); ok != f.Traits().Density {
		t.Errorf("%s: energy implements Density %v, Traits says %v", name, ok, f.Traits().Density)
	}
}
