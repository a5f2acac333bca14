#include "engine/columns.hpp"

namespace kohort {

ColumnsRead declared_columns(const Options& model) {
    ColumnsRead r;
    r.table = model.text("table");
    bool named_any = false;
    for (const OptionDecl& d : model.declaration().options) {
        if (!d.reads_table || !model.has(d.name)) continue;
        switch (d.type) {
            case OptionType::formula:
                for (const auto& c : model.formula(d.name).columns()) r.columns.insert(c);
                break;
            case OptionType::column:
                r.columns.insert(model.column(d.name));
                break;
            case OptionType::columns:
                for (const auto& c : model.columns(d.name)) r.columns.insert(c);
                break;
            default:
                continue;
        }
        named_any = true;
    }
    r.whole_table = !named_any;
    if (!r.whole_table)
        for (const auto& c : model.declaration().key_columns) r.columns.insert(c);
    return r;
}

}  // namespace kohort
