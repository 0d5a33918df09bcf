"""The seven service-rep profiles, read from a data file."""

from profilefit.core.profiles._profiles import PROFILE_IDS, Profile, ProfileSet, load_profiles

__all__ = ["PROFILE_IDS", "Profile", "ProfileSet", "load_profiles"]
