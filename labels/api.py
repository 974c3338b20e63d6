"""The public interface of labels (the only module other areas import)."""
