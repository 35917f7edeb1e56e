"""What the replaced classes return for the loopback's documents: their projections."""

from typing import Any, Dict, List, Optional

REPOSITORY_FIELDS = ["release_categories", "auto_rebuild_tags", "published", "repository"]


def repository(doc: Dict[str, Any]) -> Dict[str, Any]:
    return {field: doc.get(field) for field in REPOSITORY_FIELDS}


def _labels(parsed: Optional[Dict[str, Any]]) -> Optional[Dict[str, Any]]:
    if parsed is None:
        return None
    labels = parsed.get("labels")
    if labels is None:
        return {"labels": None}
    return {"labels": [{"name": l.get("name"), "value": l.get("value")} for l in labels]}


def _repositories(repos: Optional[List[Dict[str, Any]]]) -> Optional[List[Dict[str, Any]]]:
    if repos is None:
        return None
    return [
        {
            "registry": r.get("registry"),
            "repository": r.get("repository"),
            "published": r.get("published"),
            "tags": None
            if r.get("tags") is None
            else [{"name": t.get("name")} for t in r["tags"]],
        }
        for r in repos
    ]


def image(doc: Dict[str, Any], rpms: Optional[List[str]] = None, with_rpms: bool = True) -> Dict[str, Any]:
    brew = doc.get("brew")
    shaped = {
        "architecture": doc.get("architecture"),
        "brew": None if brew is None else {"build": brew.get("build"), "package": brew.get("package")},
        "content_sets": doc.get("content_sets"),
        "parent_brew_build": doc.get("parent_brew_build"),
        "parsed_data": _labels(doc.get("parsed_data")),
        "repositories": _repositories(doc.get("repositories")),
    }
    if with_rpms:
        manifest = doc.get("rpm_manifest")
        # The loopback answers `rpm_manifest.error` whether selected or not (Pyxis answers only
        # what is selected): the dicts pass on what the server sent.
        if manifest is None:
            shaped["edges"] = {"rpm_manifest": {"data": None, "error": {"status": 404, "detail": "Unable to find the RPM manifest of this image"}}}
        else:
            kept = [
                {k: rpm.get(k) for k in ("name", "nvra", "srpm_name", "srpm_nevra")}
                for rpm in manifest["rpms"]
                if rpms is None or rpm.get("name") in rpms
            ]
            shaped["edges"] = {
                "rpm_manifest": {
                    "data": {"image_id": manifest.get("image_id"), "rpms": kept},
                    "error": None,
                }
            }
    return shaped


def published(doc: Dict[str, Any]) -> bool:
    return any(r.get("published") is True for r in doc.get("repositories") or [])
