#include "sifkit/registry/inspect.hpp"

#include "document_store.hpp"

namespace sifkit::registry {

RemoteImage inspect_image(const Reference& reference, const ClientOptions& options,
                          std::string_view platform, bool list_tags) {
    Client client(reference.registry, reference.repository, options);
    RemoteImage out;
    out.name = reference.registry + "/" + reference.repository;
    auto store = std::make_shared<DocumentStore>(
        client, client.get_manifest(reference.manifest_reference()), reference.to_string());
    out.documents = oci2sif::inspect_store(store, "", platform);
    if (list_tags) {
        out.tags = client.list_tags();
    }
    return out;
}

}  // namespace sifkit::registry
