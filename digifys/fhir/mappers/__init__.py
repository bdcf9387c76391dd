"""One mapper per resource between digifys' models and FHIR R4 (fhir.resources R4B models)."""
