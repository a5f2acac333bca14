#include "kernels/genomics/gwas_options.hpp"

#include "core/error.hpp"

namespace kohort::gwas {

// Declared options (kohort kinds gwas). Defaults are plink2 --glm's where it has one.
SectionDecl gwas_declaration() {
    SectionDecl d = model_declaration("gwas", "per-variant association tests over a genotype table, as plink2 --glm");
    d.add(formula_option("formula", "y ~ covariates (the variant is added per test)")
              .form("a formula y ~ covariates")
              .req());
    d.add(string_option("genotypes", "the genotype table (kohort import --plink, kohort synth --genotypes)").req());
    d.add(choice_option("family", {"gaussian", "binomial"}, "the outcome's family").def("gaussian"));
    d.add(integer_option("block", 1, 1000000, "variants tested per block (one allreduce per block)")
              .note("the table's stored block"));
    d.add(real_option("vif", "a variant whose variance inflation factor against the covariates exceeds this is NA (plink2 --vif)")
              .above(0)
              .def("50"));
    d.add(real_option("refit_p", "Surv outcomes: score p below which a variant gets a full Cox fit").above(0).def("1e-5"));
    d.add(choice_option("firth", {"fallback", "no"}, "binomial: Firth regression when logistic regression fails")
              .def("fallback"));
    d.key_columns.push_back("pid");  // the phenotype table joins the genotypes on pid
    return d;
}

GwasOptions parse_gwas_options(const Options& spec) {
    GwasOptions o;
    o.where = spec.where();
    o.table = spec.text("table");
    o.genotypes = spec.text("genotypes");
    o.formula = spec.formula("formula");
    const std::string family = spec.choice("family");
    if (o.formula.response == Formula::Response::Surv2) {
        if (spec.has("family"))
            throw UsageError(o.where + ": family = " + family + " with a Surv(time, status) outcome; omit family");
        o.family = Family::cox;
    } else if (o.formula.response == Formula::Response::Column) {
        o.family = family == "binomial" ? Family::binomial : Family::gaussian;
    } else {
        throw UsageError(o.where + ": kind = gwas needs 'y ~ covariates' or 'Surv(time, status) ~ covariates' (found '" +
                         o.formula.text + "')");
    }
    if (!o.formula.strata.empty() || !o.formula.offsets.empty())
        throw UsageError(o.where + ": strata() and offset() are not available for kind = gwas");
    if (spec.has("block")) o.block_variants = spec.integer("block");
    o.vif = spec.real("vif");
    o.refit_p = spec.real("refit_p");
    o.firth_fallback = spec.choice("firth") == "fallback";
    return o;
}

}  // namespace kohort::gwas
