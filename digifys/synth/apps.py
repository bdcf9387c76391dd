from django.apps import AppConfig


class SynthConfig(AppConfig):
    name = "digifys.synth"
    label = "synth"
