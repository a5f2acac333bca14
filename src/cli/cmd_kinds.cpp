// `kohort kinds [KIND]` (contract section 2): the model kinds and section kinds, and with a kind,
// every key it takes with type, default and meaning. The same declarations validate job files.
#include <boost/program_options.hpp>
#include <iostream>

#include "cli/command_line.hpp"
#include "cli/commands.hpp"
#include "cli/help_texts.hpp"  // generated from src/cli/help/*.txt
#include "core/error.hpp"
#include "engine/kernel.hpp"
#include "engine/kinds_text.hpp"
#include "jobs/job_file.hpp"
#include "jobs/site_config.hpp"

namespace kohort::cli {
namespace po = boost::program_options;

namespace {

std::vector<const SectionDecl*> model_kinds() {
    std::vector<const SectionDecl*> out;
    for (const auto& k : ModelRegistry::instance().kinds()) out.push_back(&ModelRegistry::instance().find(k)->declaration);
    return out;
}

// The other section kinds of a job file, then the site configuration's.
std::vector<const SectionDecl*> section_kinds() {
    std::vector<const SectionDecl*> out = {&job_section_declaration(), &slurm_section_declaration()};
    for (const auto& n : SectionRegistry::instance().names()) out.push_back(SectionRegistry::instance().find(n));
    return out;
}

// Every declaration called `name` ("site" names the site configuration's sections).
std::vector<const SectionDecl*> declarations_named(const std::string& name) {
    std::vector<const SectionDecl*> out;
    if (name == "site") {
        for (const auto& d : site_section_declarations()) out.push_back(&d);
        return out;
    }
    for (const auto* d : model_kinds())
        if (d->name == name) out.push_back(d);
    for (const auto* d : section_kinds())
        if (d->name == name) out.push_back(d);
    return out;
}

std::string markdown_reference() {
    std::string out;
    for (const auto* group : {"models", "sections", "site"}) {
        std::vector<const SectionDecl*> decls = std::string(group) == "models"     ? model_kinds()
                                                : std::string(group) == "sections" ? section_kinds()
                                                                                   : declarations_named("site");
        for (const auto* d : decls) out += "\n" + declaration_markdown(*d);
    }
    return out;
}

}  // namespace

int cmd_kinds(const Args& args, const Comm& comm) {
    CommandLine cmd("kinds", help::kinds);
    std::string kind;
    cmd.add_options()("markdown", "print every declaration as the Markdown reference of docs/jobs.md")(
        "kind", po::value<std::string>(&kind), "a model or section kind");
    cmd.positional("kind");
    if (!cmd.parse(args, comm)) return 0;
    std::string out;
    if (cmd.count("markdown")) {
        out = markdown_reference();
    } else if (kind.empty()) {
        out = "Model kinds ([model.NAME] kind = ...):\n" + summary_lines(model_kinds()) +
              "\nSections of a job file:\n" + summary_lines(section_kinds()) +
              "\nSite configuration: kohort kinds site\n\nkohort kinds KIND prints every key of a kind.\n";
    } else {
        const auto decls = declarations_named(kind);
        if (decls.empty()) {
            std::string known;
            for (const auto* d : model_kinds()) known += (known.empty() ? "" : ", ") + d->name;
            for (const auto* d : section_kinds()) known += ", " + d->name;
            throw UsageError("kohort kinds: unknown kind '" + kind + "'; expected one of " + known + ", site");
        }
        for (const auto* d : decls) out += (out.empty() ? "" : "\n") + declaration_text(*d);
    }
    if (comm.is_root()) std::cout << out;
    return 0;
}

}  // namespace kohort::cli
