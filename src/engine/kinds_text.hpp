// `kohort kinds` output and the reference tables in docs/jobs.md, both from the declarations.
#pragma once
#include <string>
#include <vector>

#include "engine/option_decl.hpp"

namespace kohort {

// One section kind as a text table: header line, then key, type, default and meaning per option.
std::string declaration_text(const SectionDecl& decl);
// The same as a Markdown section (### heading and a table), for docs/jobs.md.
std::string declaration_markdown(const SectionDecl& decl);
// "  name    summary" lines.
std::string summary_lines(const std::vector<const SectionDecl*>& decls);

}  // namespace kohort
