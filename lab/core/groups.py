"""The names of the lab's two groups, on the floor so that the apps can name them too (the
project's ``lab.groups`` creates the groups and gives them their permissions)."""

#: Staff who curate every record of the lab's apps; membership makes a user staff
#: (lab.accounts).
LAB_ADMINS = "Lab admins"
#: Logged-in researchers linked to a person: they read e-mail addresses and edit their profile.
MEMBERS = "Members"
