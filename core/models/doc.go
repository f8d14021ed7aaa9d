// Package models is what every network family shares: the interfaces of
// the three networks DDAEBM trains (an energy, a generator and an
// encoder), the sizes that bound their memory before they are built, and
// the registry in which each family puts itself under the name a
// configuration gives.
//
// A family is a package of its own (models/toy, models/nice, …) that
// registers itself in an init function; the algorithm (core/ddaebm)
// imports each family once and otherwise knows them only through Family.
// Adding a network family is adding such a package and that import.
package models
