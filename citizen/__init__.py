"""The citizen app's "疫情求助" module: people sign up under their real name and ask for help."""
